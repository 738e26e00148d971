//! Consultations: what a town asks its citizens. Questions, proposals,
//! projects and the rest hang from this table.
use sea_orm_migration::{prelude::*, schema::*};

use crate::{
    m20261127_000002_create_tenants::Tenants,
    schema_util::{cascade, index},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Consultations {
    Table,
    Id,
    TenantId,
    Kind,
    Status,
    Title,
    Summary,
    BodyMarkdown,
    BodyHtml,
    Audience,
    OpensAt,
    ClosesAt,
    BudgetCents,
    PublishedAt,
    ClosedAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Consultations::Table)
                    .if_not_exists()
                    .col(pk_uuid(Consultations::Id))
                    .col(uuid(Consultations::TenantId))
                    // `questionnaire`, `proposals` or `budget`.
                    .col(string_len(Consultations::Kind, 20))
                    // `draft`, `published`, `closed` or `archived`.
                    .col(string_len(Consultations::Status, 20))
                    .col(string_len(Consultations::Title, 200))
                    .col(text(Consultations::Summary))
                    .col(text(Consultations::BodyMarkdown))
                    // Rendered and sanitised once, when saved.
                    .col(text(Consultations::BodyHtml))
                    // `public` or `registered`.
                    .col(string_len(Consultations::Audience, 20))
                    .col(timestamp_with_time_zone_null(Consultations::OpensAt))
                    .col(timestamp_with_time_zone_null(Consultations::ClosesAt))
                    .col(big_integer_null(Consultations::BudgetCents))
                    .col(timestamp_with_time_zone_null(Consultations::PublishedAt))
                    .col(timestamp_with_time_zone_null(Consultations::ClosedAt))
                    // No foreign key: an erased author's account stays as an anonymous row.
                    .col(uuid_null(Consultations::CreatedBy))
                    .col(timestamp_with_time_zone(Consultations::CreatedAt))
                    .col(timestamp_with_time_zone(Consultations::UpdatedAt))
                    .foreign_key(&mut cascade(
                        "fk_consultations_tenant",
                        Consultations::Table,
                        Consultations::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_consultations_tenant_status",
                Consultations::Table,
                [Consultations::TenantId, Consultations::Status, Consultations::CreatedAt],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Consultations::Table).to_owned()).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
