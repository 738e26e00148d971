//! On PostgreSQL, a response and its answers are tied to their town through
//! their parent instead of straight to `tenants`: (consultation, town) and
//! (response, town) keys replace the separate keys to the town and the parent.
//! The town stays the parent's (a response cannot name another town's
//! consultation, nor an answer another town's response), deleting a town
//! still takes them away (town → consultations → responses → answers, all
//! cascading), and a response no longer locks its town's row four times over:
//! half the key checks of the hottest write. SQLite keeps the original keys.
use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = "\
    CREATE UNIQUE INDEX IF NOT EXISTS uq_consultations_id_tenant ON consultations (id, tenant_id); \
    CREATE UNIQUE INDEX IF NOT EXISTS uq_responses_id_tenant ON responses (id, tenant_id); \
    ALTER TABLE responses DROP CONSTRAINT fk_responses_tenant, DROP CONSTRAINT fk_responses_consultation, \
        ADD CONSTRAINT fk_responses_consultation FOREIGN KEY (consultation_id, tenant_id) \
            REFERENCES consultations (id, tenant_id) ON DELETE CASCADE; \
    ALTER TABLE answers DROP CONSTRAINT fk_answers_tenant, DROP CONSTRAINT fk_answers_response, \
        ADD CONSTRAINT fk_answers_response FOREIGN KEY (response_id, tenant_id) \
            REFERENCES responses (id, tenant_id) ON DELETE CASCADE;";

const DOWN: &str = "\
    ALTER TABLE answers DROP CONSTRAINT fk_answers_response, \
        ADD CONSTRAINT fk_answers_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE, \
        ADD CONSTRAINT fk_answers_response FOREIGN KEY (response_id) REFERENCES responses (id) ON DELETE CASCADE; \
    ALTER TABLE responses DROP CONSTRAINT fk_responses_consultation, \
        ADD CONSTRAINT fk_responses_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE, \
        ADD CONSTRAINT fk_responses_consultation FOREIGN KEY (consultation_id) \
            REFERENCES consultations (id) ON DELETE CASCADE; \
    DROP INDEX IF EXISTS uq_responses_id_tenant; \
    DROP INDEX IF EXISTS uq_consultations_id_tenant;";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager.get_connection().execute_unprepared(UP).await.map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager.get_connection().execute_unprepared(DOWN).await.map(|_| ())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
