//! Storing a citizen's response: the address check and both inserts in one
//! statement on PostgreSQL, in one transaction elsewhere.
use chrono::Utc;
use common::TenantScope;
use sea_orm::{
    DatabaseConnection, DbBackend, DbErr, RuntimeErr,
    sqlx::{self, PgPool},
};
use uuid::Uuid;

use super::{NotStored, questionnaires};
use crate::domain::questionnaire::AnswerRow;

/// Stores `user`'s response to `consultation` with its answers, if the
/// user's address is verified (`None` if not). A second response of the same
/// user fails on the unique constraint (`AlreadyDone`).
pub async fn store_if_verified(
    db: &DatabaseConnection,
    scope: TenantScope,
    consultation: Uuid,
    user: Uuid,
    rows: &[AnswerRow],
) -> Result<Option<Uuid>, NotStored> {
    if db.get_database_backend() == DbBackend::Postgres {
        return in_one_statement(db.get_postgres_connection_pool(), scope, consultation, user, rows)
            .await
            .map_err(|e| NotStored::from(DbErr::Query(RuntimeErr::SqlxError(std::sync::Arc::new(e)))));
    }
    let txn = common::db::begin_write(db).await?;
    if super::citizens::verified_account(&txn, scope, user).await?.is_none() {
        return Ok(None);
    }
    let id = questionnaires::respond(&txn, scope, consultation, user, rows).await?;
    txn.commit().await?;
    Ok(Some(id))
}

/// One round trip: the response is inserted only for a verified address, and
/// its answers with it, atomically (a single statement).
async fn in_one_statement(
    pool: &PgPool,
    scope: TenantScope,
    consultation: Uuid,
    user: Uuid,
    rows: &[AnswerRow],
) -> Result<Option<Uuid>, sqlx::Error> {
    const SQL: &str = "WITH head AS ( \
        INSERT INTO responses (id, tenant_id, consultation_id, user_id, created_at) \
        SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM users \
            WHERE id = $4 AND tenant_id = $2 AND email_verified_at IS NOT NULL) \
        RETURNING id), \
      stored AS ( \
        INSERT INTO answers (id, tenant_id, response_id, question_id, option_id, text, value) \
        SELECT a.id, $2, head.id, a.question_id, a.option_id, a.text, a.value \
        FROM head, unnest($6::uuid[], $7::uuid[], $8::uuid[], $9::text[], $10::int4[]) \
            AS a(id, question_id, option_id, text, value)) \
      SELECT id FROM head";
    let ids: Vec<Uuid> = rows.iter().map(|_| Uuid::now_v7()).collect();
    let questions: Vec<Uuid> = rows.iter().map(|r| r.question_id).collect();
    let options: Vec<Option<Uuid>> = rows.iter().map(|r| r.option_id).collect();
    let texts: Vec<Option<String>> = rows.iter().map(|r| r.text.clone()).collect();
    let values: Vec<Option<i32>> = rows.iter().map(|r| r.value).collect();
    sqlx::query_scalar(SQL)
        .bind(Uuid::now_v7())
        .bind(scope.tenant_id())
        .bind(consultation)
        .bind(user)
        .bind(Utc::now())
        .bind(ids)
        .bind(questions)
        .bind(options)
        .bind(texts)
        .bind(values)
        .fetch_optional(pool)
        .await
}
