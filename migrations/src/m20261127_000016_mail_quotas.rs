//! A monthly ceiling on the news a town mails (none by default), set by the
//! operator; account mails are never held back by it.
use sea_orm_migration::{prelude::*, schema::*};

use crate::schema_util::{add_column, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tenants {
    Table,
    MonthlyMailQuota,
}

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    TenantId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(add_column(Tenants::Table, integer_null(Tenants::MonthlyMailQuota))).await?;
        // The month's count and the delivery log read a town's deliveries by date.
        manager
            .create_index(index(
                "idx_deliveries_tenant_created",
                Deliveries::Table,
                [Deliveries::TenantId, Deliveries::CreatedAt],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop().name("idx_deliveries_tenant_created").table(Deliveries::Table).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(Tenants::Table).drop_column(Tenants::MonthlyMailQuota).to_owned(),
            )
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
