//! A town's look in its mails: an optional logo (an https address) and colour.
use sea_orm_migration::{prelude::*, schema::*};

use crate::schema_util::add_column;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tenants {
    Table,
    LogoUrl,
    BrandColor,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(add_column(Tenants::Table, string_len_null(Tenants::LogoUrl, 500))).await?;
        manager.alter_table(add_column(Tenants::Table, string_len_null(Tenants::BrandColor, 7))).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [Tenants::LogoUrl, Tenants::BrandColor] {
            manager.alter_table(Table::alter().table(Tenants::Table).drop_column(col).to_owned()).await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
