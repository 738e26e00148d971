//! Idea boxes: proposals by citizens, and supports, at most one per person;
//! the count kept on the proposal moves in the same statement as the support.
use sea_orm_migration::{prelude::*, schema::*};

use crate::{
    m20261127_000002_create_tenants::Tenants,
    schema_util::{cascade, index},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Proposals {
    Table,
    Id,
    TenantId,
    ConsultationId,
    AuthorId,
    Title,
    Body,
    Status,
    Answer,
    AnsweredAt,
    SupportCount,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Supports {
    Table,
    Id,
    TenantId,
    ProposalId,
    UserId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Proposals::Table)
                    .if_not_exists()
                    .col(pk_uuid(Proposals::Id))
                    .col(uuid(Proposals::TenantId))
                    .col(uuid(Proposals::ConsultationId))
                    // No foreign key: an erased author stays as an anonymous account row.
                    .col(uuid(Proposals::AuthorId))
                    .col(string_len(Proposals::Title, 200))
                    .col(text(Proposals::Body))
                    // `submitted`, `under_review`, `accepted`, `rejected` or `implemented`.
                    .col(string_len(Proposals::Status, 20))
                    .col(text_null(Proposals::Answer))
                    .col(timestamp_with_time_zone_null(Proposals::AnsweredAt))
                    .col(integer(Proposals::SupportCount).default(0))
                    .col(timestamp_with_time_zone(Proposals::CreatedAt))
                    .foreign_key(&mut cascade(
                        "fk_proposals_tenant",
                        Proposals::Table,
                        Proposals::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                    ))
                    .foreign_key(&mut cascade(
                        "fk_proposals_consultation",
                        Proposals::Table,
                        Proposals::ConsultationId,
                        Alias::new("consultations"),
                        Alias::new("id"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_proposals_by_supports",
                Proposals::Table,
                [Proposals::ConsultationId, Proposals::SupportCount],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_proposals_by_date",
                Proposals::Table,
                [Proposals::ConsultationId, Proposals::CreatedAt],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Supports::Table)
                    .if_not_exists()
                    .col(pk_uuid(Supports::Id))
                    .col(uuid(Supports::TenantId))
                    .col(uuid(Supports::ProposalId))
                    .col(uuid(Supports::UserId))
                    .col(timestamp_with_time_zone(Supports::CreatedAt))
                    .foreign_key(&mut cascade(
                        "fk_supports_tenant",
                        Supports::Table,
                        Supports::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                    ))
                    .foreign_key(&mut cascade(
                        "fk_supports_proposal",
                        Supports::Table,
                        Supports::ProposalId,
                        Proposals::Table,
                        Proposals::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("uq_supports_proposal_user", Supports::Table, [Supports::ProposalId, Supports::UserId])
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Supports::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Proposals::Table).to_owned()).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
