use sea_orm_migration::{prelude::*, schema::*};

use crate::{
    m20261127_000002_create_tenants::Tenants,
    schema_util::{cascade, index},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    ProcessedAt,
}

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    Id,
    TenantId,
    EventId,
    Recipient,
    Status,
    Attempts,
    LastError,
    NextAttemptAt,
    LockedUntil,
    EnqueuedAt,
    CreatedAt,
    UpdatedAt,
    SentAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Set once the worker has expanded the event into deliveries; until then
        // the sweep republishes it, so a lost queue message loses no mail.
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .add_column_if_not_exists(timestamp_with_time_zone_null(Outbox::ProcessedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Deliveries::Table)
                    .if_not_exists()
                    .col(pk_uuid(Deliveries::Id))
                    .col(uuid_null(Deliveries::TenantId))
                    .col(uuid(Deliveries::EventId))
                    .col(string(Deliveries::Recipient))
                    .col(string_len(Deliveries::Status, 16))
                    .col(integer(Deliveries::Attempts).default(0))
                    .col(text_null(Deliveries::LastError))
                    .col(timestamp_with_time_zone(Deliveries::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(Deliveries::LockedUntil))
                    .col(timestamp_with_time_zone_null(Deliveries::EnqueuedAt))
                    .col(timestamp_with_time_zone(Deliveries::CreatedAt))
                    .col(timestamp_with_time_zone(Deliveries::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Deliveries::SentAt))
                    .foreign_key(&mut cascade(
                        "fk_deliveries_tenant",
                        Deliveries::Table,
                        Deliveries::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                    ))
                    .foreign_key(&mut cascade(
                        "fk_deliveries_event",
                        Deliveries::Table,
                        Deliveries::EventId,
                        Outbox::Table,
                        Outbox::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        // A replayed event creates no second delivery for the same person.
        manager
            .create_index(
                index(
                    "uq_deliveries_event_recipient",
                    Deliveries::Table,
                    [Deliveries::EventId, Deliveries::Recipient],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_deliveries_due",
                Deliveries::Table,
                [Deliveries::Status, Deliveries::NextAttemptAt],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_deliveries_tenant_time",
                Deliveries::Table,
                [Deliveries::TenantId, Deliveries::CreatedAt],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Deliveries::Table).to_owned()).await?;
        manager
            .alter_table(Table::alter().table(Outbox::Table).drop_column(Outbox::ProcessedAt).to_owned())
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
