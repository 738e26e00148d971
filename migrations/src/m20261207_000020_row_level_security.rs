//! Row-level security on PostgreSQL, a second wall behind the code's tenant
//! scope: each town's table shows a connection the rows of the town it is
//! bound to (`app.tenant_id`), or every row when bound to all towns
//! (`app.all_towns`, for the platform host and the workers). Forced, so that
//! it binds the tables' owner too; only superusers and BYPASSRLS roles pass.
use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Every table with a `tenant_id` column (a test checks that none is missing).
pub const TOWN_TABLES: [&str; 23] = [
    "answers",
    "audit_log",
    "ballot_items",
    "ballots",
    "comment_reports",
    "comments",
    "consultations",
    "deliveries",
    "mail_suppressions",
    "memberships",
    "notification_preferences",
    "one_time_tokens",
    "outbox",
    "projects",
    "proposals",
    "question_options",
    "questions",
    "refresh_tokens",
    "responses",
    "subscriptions",
    "supports",
    "tenant_domains",
    "users",
];

/// The rows a connection may see and write, in terms of one column.
fn visible(column: &str) -> String {
    format!(
        "current_setting('app.all_towns', true) = 'on' \
         OR {column} = NULLIF(current_setting('app.tenant_id', true), '')::uuid"
    )
}

fn protect(table: &str, column: &str) -> String {
    let rule = visible(column);
    // A town's request may post a platform-wide event it cannot read back:
    // the confirmation of an erased account is not the town's to keep.
    let check = if table == "outbox" { format!("{rule} OR {column} IS NULL") } else { rule.clone() };
    format!(
        "ALTER TABLE \"{table}\" ENABLE ROW LEVEL SECURITY; \
         ALTER TABLE \"{table}\" FORCE ROW LEVEL SECURITY; \
         CREATE POLICY town_rows ON \"{table}\" USING ({rule}) WITH CHECK ({check});"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for table in TOWN_TABLES {
            db.execute_unprepared(&protect(table, "tenant_id")).await?;
        }
        // A town's own row: its settings are read on its host.
        db.execute_unprepared(&protect("tenants", "id")).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for table in TOWN_TABLES.iter().chain(&["tenants"]) {
            db.execute_unprepared(&format!(
                "DROP POLICY IF EXISTS town_rows ON \"{table}\"; \
                 ALTER TABLE \"{table}\" NO FORCE ROW LEVEL SECURITY; \
                 ALTER TABLE \"{table}\" DISABLE ROW LEVEL SECURITY;"
            ))
            .await?;
        }
        Ok(())
    }
}
