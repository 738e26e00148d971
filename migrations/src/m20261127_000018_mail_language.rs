//! The language a person reads their mails in: a citizen's choice, or the
//! browser's language when an address subscribed.
use sea_orm_migration::{prelude::*, schema::*};

use crate::schema_util::add_column;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NotificationPreferences {
    Table,
    Language,
}

#[derive(DeriveIden)]
enum Subscriptions {
    Table,
    Language,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(add_column(
                NotificationPreferences::Table,
                string_len(NotificationPreferences::Language, 5).default("fr").to_owned(),
            ))
            .await?;
        manager
            .alter_table(add_column(
                Subscriptions::Table,
                string_len(Subscriptions::Language, 5).default("fr").to_owned(),
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(NotificationPreferences::Table)
                    .drop_column(NotificationPreferences::Language)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(Subscriptions::Table).drop_column(Subscriptions::Language).to_owned(),
            )
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
