//! A comment remembers when a moderator last decided on it, so that reports
//! made before the decision stop counting; and the demo town no longer holds
//! its commune's place, so the real town can still sign up.
use sea_orm_migration::{prelude::*, schema::*};

use crate::schema_util::{add_column, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Comments {
    Table,
    ModeratedAt,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    InseeCode,
    Status,
    Slug,
}

const LIVE_INSEE_INDEX: &str = "uq_tenants_live_insee_code";
const LIVE: [&str; 4] = ["pending_email", "pending_review", "active", "suspended"];

fn live_insee_index(except_demo: bool) -> IndexCreateStatement {
    let mut live = Condition::all().add(Expr::col(Tenants::Status).is_in(LIVE));
    if except_demo {
        live = live.add(Expr::col(Tenants::Slug).ne("demo"));
    }
    index(LIVE_INSEE_INDEX, Tenants::Table, [Tenants::InseeCode]).unique().cond_where(live).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(add_column(Comments::Table, timestamp_with_time_zone_null(Comments::ModeratedAt)))
            .await?;
        manager.drop_index(Index::drop().name(LIVE_INSEE_INDEX).table(Tenants::Table).to_owned()).await?;
        manager.create_index(live_insee_index(true)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(LIVE_INSEE_INDEX).table(Tenants::Table).to_owned()).await?;
        manager.create_index(live_insee_index(false)).await?;
        manager
            .alter_table(Table::alter().table(Comments::Table).drop_column(Comments::ModeratedAt).to_owned())
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
