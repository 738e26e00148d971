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
    TenantId,
    Kind,
    Payload,
    IdempotencyKey,
    CreatedAt,
    RelayedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    TenantId,
    ActorUserId,
    Actor,
    Action,
    TargetType,
    TargetId,
    Ip,
    Details,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .if_not_exists()
                    .col(pk_uuid(Outbox::Id))
                    .col(uuid_null(Outbox::TenantId))
                    .col(string_len(Outbox::Kind, 64))
                    .col(json(Outbox::Payload))
                    .col(string_uniq(Outbox::IdempotencyKey))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(Outbox::RelayedAt))
                    .foreign_key(&mut cascade(
                        "fk_outbox_tenant",
                        Outbox::Table,
                        Outbox::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        // The relay only ever looks at rows not yet relayed.
        manager
            .create_index(
                index("idx_outbox_pending", Outbox::Table, [Outbox::CreatedAt])
                    .and_where(Expr::col(Outbox::RelayedAt).is_null())
                    .to_owned(),
            )
            .await?;
        // No foreign key to tenants: the record of what happened outlives the town.
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .if_not_exists()
                    .col(pk_uuid(AuditLog::Id))
                    .col(uuid_null(AuditLog::TenantId))
                    .col(uuid_null(AuditLog::ActorUserId))
                    .col(string(AuditLog::Actor))
                    .col(string_len(AuditLog::Action, 64))
                    .col(string_len(AuditLog::TargetType, 64))
                    .col(string_null(AuditLog::TargetId))
                    .col(string_len_null(AuditLog::Ip, 45))
                    .col(json_null(AuditLog::Details))
                    .col(timestamp_with_time_zone(AuditLog::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_audit_log_tenant_time",
                AuditLog::Table,
                [AuditLog::TenantId, AuditLog::CreatedAt],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AuditLog::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Outbox::Table).to_owned()).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
