//! What a town publishes about itself on its pages: a public contact address,
//! its legal notice, privacy notice and accessibility statement (Markdown;
//! none: the platform's default text, filled in with the town's name).
use sea_orm_migration::{prelude::*, schema::*};

use crate::schema_util::add_column;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tenants {
    Table,
    PublicEmail,
    LegalNotice,
    PrivacyNotice,
    AccessibilityStatement,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(add_column(Tenants::Table, string_len_null(Tenants::PublicEmail, 254))).await?;
        for col in [Tenants::LegalNotice, Tenants::PrivacyNotice, Tenants::AccessibilityStatement] {
            manager.alter_table(add_column(Tenants::Table, text_null(col))).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            Tenants::PublicEmail,
            Tenants::LegalNotice,
            Tenants::PrivacyNotice,
            Tenants::AccessibilityStatement,
        ] {
            manager.alter_table(Table::alter().table(Tenants::Table).drop_column(col).to_owned()).await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
