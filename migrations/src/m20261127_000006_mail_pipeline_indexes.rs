//! Deliveries are written three times each (created, leased, sent); these make
//! the last two cheap. The due index holds only queued deliveries, so marking
//! one sent adds nothing to it and it stays as small as the work waiting; and
//! on PostgreSQL, pages keep room for a new row version beside the old, so a
//! lease (which changes no indexed column) updates no index at all. The sweep's
//! search for events relayed but never expanded gets an index of its own, so
//! it does not read the whole outbox every few seconds.
use sea_orm_migration::prelude::*;

use crate::schema_util::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Outbox {
    Table,
    RelayedAt,
    ProcessedAt,
}

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    Status,
    NextAttemptAt,
}

const OLD_DUE_INDEX: &str = "idx_deliveries_due";
const QUEUED_DUE_INDEX: &str = "idx_deliveries_queued_due";
const UNEXPANDED_INDEX: &str = "idx_outbox_unexpanded";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(OLD_DUE_INDEX).table(Deliveries::Table).to_owned()).await?;
        manager
            .create_index(
                index(QUEUED_DUE_INDEX, Deliveries::Table, [Deliveries::NextAttemptAt])
                    .and_where(Expr::col(Deliveries::Status).eq("queued"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(UNEXPANDED_INDEX, Outbox::Table, [Outbox::RelayedAt])
                    .and_where(Expr::col(Outbox::ProcessedAt).is_null())
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == sea_orm_migration::sea_orm::DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE deliveries SET (fillfactor = 70)")
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm_migration::sea_orm::DbBackend::Postgres {
            manager.get_connection().execute_unprepared("ALTER TABLE deliveries RESET (fillfactor)").await?;
        }
        manager.drop_index(Index::drop().name(UNEXPANDED_INDEX).table(Outbox::Table).to_owned()).await?;
        manager.drop_index(Index::drop().name(QUEUED_DUE_INDEX).table(Deliveries::Table).to_owned()).await?;
        manager
            .create_index(index(
                OLD_DUE_INDEX,
                Deliveries::Table,
                [Deliveries::Status, Deliveries::NextAttemptAt],
            ))
            .await
    }
}
