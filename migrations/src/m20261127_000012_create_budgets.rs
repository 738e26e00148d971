//! Participatory budgets: projects with costs, and each citizen's one ballot.
use sea_orm_migration::{prelude::*, schema::*};

use crate::{
    m20261127_000002_create_tenants::Tenants,
    schema_util::{cascade, index},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
    TenantId,
    ConsultationId,
    Position,
    Title,
    Description,
    CostCents,
    VoteCount,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Ballots {
    Table,
    Id,
    TenantId,
    ConsultationId,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum BallotItems {
    Table,
    Id,
    TenantId,
    BallotId,
    ProjectId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let consultations = || Alias::new("consultations");
        manager
            .create_table(
                Table::create()
                    .table(Projects::Table)
                    .if_not_exists()
                    .col(pk_uuid(Projects::Id))
                    .col(uuid(Projects::TenantId))
                    .col(uuid(Projects::ConsultationId))
                    .col(integer(Projects::Position))
                    .col(string_len(Projects::Title, 200))
                    .col(text(Projects::Description))
                    .col(big_integer(Projects::CostCents))
                    // Kept in step with ballot items in the ballot's transaction.
                    .col(integer(Projects::VoteCount).default(0))
                    .col(timestamp_with_time_zone(Projects::CreatedAt))
                    .foreign_key(&mut cascade(
                        "fk_projects_tenant",
                        Projects::Table,
                        Projects::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                    ))
                    .foreign_key(&mut cascade(
                        "fk_projects_consultation",
                        Projects::Table,
                        Projects::ConsultationId,
                        consultations(),
                        Alias::new("id"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_projects_consultation",
                Projects::Table,
                [Projects::ConsultationId, Projects::Position],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Ballots::Table)
                    .if_not_exists()
                    .col(pk_uuid(Ballots::Id))
                    .col(uuid(Ballots::TenantId))
                    .col(uuid(Ballots::ConsultationId))
                    .col(uuid(Ballots::UserId))
                    .col(timestamp_with_time_zone(Ballots::CreatedAt))
                    .foreign_key(&mut cascade(
                        "fk_ballots_tenant",
                        Ballots::Table,
                        Ballots::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                    ))
                    .foreign_key(&mut cascade(
                        "fk_ballots_consultation",
                        Ballots::Table,
                        Ballots::ConsultationId,
                        consultations(),
                        Alias::new("id"),
                    ))
                    .to_owned(),
            )
            .await?;
        // One ballot per citizen and budget: the database refuses a second.
        manager
            .create_index(
                index(
                    "uq_ballots_consultation_user",
                    Ballots::Table,
                    [Ballots::ConsultationId, Ballots::UserId],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BallotItems::Table)
                    .if_not_exists()
                    .col(pk_uuid(BallotItems::Id))
                    .col(uuid(BallotItems::TenantId))
                    .col(uuid(BallotItems::BallotId))
                    .col(uuid(BallotItems::ProjectId))
                    .foreign_key(&mut cascade(
                        "fk_ballot_items_tenant",
                        BallotItems::Table,
                        BallotItems::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                    ))
                    .foreign_key(&mut cascade(
                        "fk_ballot_items_ballot",
                        BallotItems::Table,
                        BallotItems::BallotId,
                        Ballots::Table,
                        Ballots::Id,
                    ))
                    .foreign_key(&mut cascade(
                        "fk_ballot_items_project",
                        BallotItems::Table,
                        BallotItems::ProjectId,
                        Projects::Table,
                        Projects::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_ballot_items_ballot", BallotItems::Table, [BallotItems::BallotId]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [BallotItems::Table.into_iden(), Ballots::Table.into_iden(), Projects::Table.into_iden()]
        {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
