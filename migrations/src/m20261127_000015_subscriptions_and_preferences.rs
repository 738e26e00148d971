//! Who hears from a town, and how: e-mail subscriptions without an account
//! (double opt-in, with the consent given), each citizen's preferences, and
//! the addresses that asked to hear no more (per kind of mail, or at all).
use sea_orm_migration::{prelude::*, schema::*};

use crate::{
    m20261127_000002_create_tenants::Tenants,
    schema_util::{cascade, index},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Subscriptions {
    Table,
    Id,
    TenantId,
    Email,
    /// `pending`, `confirmed` or `unsubscribed`.
    Status,
    ConfirmTokenHash,
    ConfirmExpiresAt,
    ConsentAt,
    ConsentPage,
    ConsentWording,
    ConsentIp,
    ConfirmedAt,
    UnsubscribedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum NotificationPreferences {
    Table,
    UserId,
    TenantId,
    NewConsultations,
    Results,
    Replies,
    ProposalAnswers,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MailSuppressions {
    Table,
    Id,
    TenantId,
    Email,
    /// A kind of mail (`new_consultations`, `results`…) or `all`.
    Topic,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Subscriptions::Table)
                    .if_not_exists()
                    .col(pk_uuid(Subscriptions::Id))
                    .col(uuid(Subscriptions::TenantId))
                    .col(string(Subscriptions::Email))
                    .col(string_len(Subscriptions::Status, 20))
                    .col(string_len_null(Subscriptions::ConfirmTokenHash, 64))
                    .col(timestamp_with_time_zone_null(Subscriptions::ConfirmExpiresAt))
                    .col(timestamp_with_time_zone(Subscriptions::ConsentAt))
                    .col(string_len(Subscriptions::ConsentPage, 500))
                    .col(text(Subscriptions::ConsentWording))
                    .col(string_len_null(Subscriptions::ConsentIp, 64))
                    .col(timestamp_with_time_zone_null(Subscriptions::ConfirmedAt))
                    .col(timestamp_with_time_zone_null(Subscriptions::UnsubscribedAt))
                    .col(timestamp_with_time_zone(Subscriptions::CreatedAt))
                    .col(timestamp_with_time_zone(Subscriptions::UpdatedAt))
                    .foreign_key(&mut cascade(
                        "fk_subscriptions_tenant",
                        Subscriptions::Table,
                        Subscriptions::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "uq_subscriptions_tenant_email",
                    Subscriptions::Table,
                    [Subscriptions::TenantId, Subscriptions::Email],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        // Fan-outs walk a town's confirmed addresses in order, a batch at a time.
        manager
            .create_index(index(
                "idx_subscriptions_fan_out",
                Subscriptions::Table,
                [Subscriptions::TenantId, Subscriptions::Status, Subscriptions::Email],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_subscriptions_confirm",
                Subscriptions::Table,
                [Subscriptions::ConfirmTokenHash],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NotificationPreferences::Table)
                    .if_not_exists()
                    .col(pk_uuid(NotificationPreferences::UserId))
                    .col(uuid(NotificationPreferences::TenantId))
                    // Each `immediate`, `weekly` or `off`.
                    .col(string_len(NotificationPreferences::NewConsultations, 10))
                    .col(string_len(NotificationPreferences::Results, 10))
                    .col(string_len(NotificationPreferences::Replies, 10))
                    .col(string_len(NotificationPreferences::ProposalAnswers, 10))
                    .col(timestamp_with_time_zone(NotificationPreferences::UpdatedAt))
                    .foreign_key(&mut cascade(
                        "fk_notification_preferences_tenant",
                        NotificationPreferences::Table,
                        NotificationPreferences::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                    ))
                    .foreign_key(&mut cascade(
                        "fk_notification_preferences_user",
                        NotificationPreferences::Table,
                        NotificationPreferences::UserId,
                        Alias::new("users"),
                        Alias::new("id"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MailSuppressions::Table)
                    .if_not_exists()
                    .col(pk_uuid(MailSuppressions::Id))
                    .col(uuid(MailSuppressions::TenantId))
                    .col(string(MailSuppressions::Email))
                    .col(string_len(MailSuppressions::Topic, 40))
                    .col(timestamp_with_time_zone(MailSuppressions::CreatedAt))
                    .foreign_key(&mut cascade(
                        "fk_mail_suppressions_tenant",
                        MailSuppressions::Table,
                        MailSuppressions::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "uq_mail_suppressions",
                    MailSuppressions::Table,
                    [MailSuppressions::TenantId, MailSuppressions::Email, MailSuppressions::Topic],
                )
                .unique()
                .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(MailSuppressions::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(NotificationPreferences::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Subscriptions::Table).to_owned()).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
