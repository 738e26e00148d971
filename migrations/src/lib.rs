//! The schema of the platform: the only place it changes.
pub use sea_orm_migration::prelude::*;

pub mod communes;
mod m20261127_000001_create_communes;
mod m20261127_000002_create_tenants;
mod m20261127_000003_create_users;
mod m20261127_000004_create_outbox_and_audit;
mod m20261127_000005_create_deliveries;
mod m20261127_000006_mail_pipeline_indexes;
mod m20261127_000007_create_auth_tokens;
mod m20261127_000008_town_lifecycle;
mod m20261127_000009_create_consultations;
mod m20261127_000010_create_questionnaires;
mod m20261127_000011_create_proposals;
mod m20261127_000012_create_budgets;
mod m20261127_000013_comments_and_results;
mod m20261127_000014_moderation_and_demo;
mod m20261127_000015_subscriptions_and_preferences;
mod m20261127_000016_mail_quotas;
mod m20261127_000017_town_branding;
mod m20261127_000018_mail_language;
mod m20261128_000019_town_pages;
mod m20261207_000020_row_level_security;
mod m20261207_000021_response_town_keys;
mod schema_util;

pub use m20261207_000020_row_level_security::TOWN_TABLES;

/// Every migration, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_create_communes::Migration),
            Box::new(m20261127_000002_create_tenants::Migration),
            Box::new(m20261127_000003_create_users::Migration),
            Box::new(m20261127_000004_create_outbox_and_audit::Migration),
            Box::new(m20261127_000005_create_deliveries::Migration),
            Box::new(m20261127_000006_mail_pipeline_indexes::Migration),
            Box::new(m20261127_000007_create_auth_tokens::Migration),
            Box::new(m20261127_000008_town_lifecycle::Migration),
            Box::new(m20261127_000009_create_consultations::Migration),
            Box::new(m20261127_000010_create_questionnaires::Migration),
            Box::new(m20261127_000011_create_proposals::Migration),
            Box::new(m20261127_000012_create_budgets::Migration),
            Box::new(m20261127_000013_comments_and_results::Migration),
            Box::new(m20261127_000014_moderation_and_demo::Migration),
            Box::new(m20261127_000015_subscriptions_and_preferences::Migration),
            Box::new(m20261127_000016_mail_quotas::Migration),
            Box::new(m20261127_000017_town_branding::Migration),
            Box::new(m20261127_000018_mail_language::Migration),
            Box::new(m20261128_000019_town_pages::Migration),
            Box::new(m20261207_000020_row_level_security::Migration),
            Box::new(m20261207_000021_response_town_keys::Migration),
        ]
    }
}
