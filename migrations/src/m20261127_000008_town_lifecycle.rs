//! What the town lifecycle needs: a town's sessions can be cut at once (on
//! suspension), a rejection keeps its reason, one live town per commune is a
//! constraint rather than a check, and an invitation names its invitee.
use sea_orm_migration::{prelude::*, schema::*};

use crate::schema_util::{add_column, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tenants {
    Table,
    InseeCode,
    Status,
    TokensValidAfter,
    RejectionReason,
}

#[derive(DeriveIden)]
enum OneTimeTokens {
    Table,
    Email,
    Role,
}

const LIVE_INSEE_INDEX: &str = "uq_tenants_live_insee_code";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for statement in [
            add_column(Tenants::Table, timestamp_with_time_zone_null(Tenants::TokensValidAfter)),
            add_column(Tenants::Table, text_null(Tenants::RejectionReason)),
            add_column(OneTimeTokens::Table, string_null(OneTimeTokens::Email)),
            add_column(OneTimeTokens::Table, string_len_null(OneTimeTokens::Role, 20)),
        ] {
            manager.alter_table(statement).await?;
        }
        manager
            .create_index(
                index(LIVE_INSEE_INDEX, Tenants::Table, [Tenants::InseeCode])
                    .unique()
                    .and_where(Expr::col(Tenants::Status).is_in([
                        "pending_email",
                        "pending_review",
                        "active",
                        "suspended",
                    ]))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(LIVE_INSEE_INDEX).table(Tenants::Table).to_owned()).await?;
        for (table, col) in [
            (Tenants::Table.into_iden(), Tenants::RejectionReason.into_iden()),
            (Tenants::Table.into_iden(), Tenants::TokensValidAfter.into_iden()),
            (OneTimeTokens::Table.into_iden(), OneTimeTokens::Role.into_iden()),
            (OneTimeTokens::Table.into_iden(), OneTimeTokens::Email.into_iden()),
        ] {
            manager.alter_table(Table::alter().table(table).drop_column(col).to_owned()).await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
