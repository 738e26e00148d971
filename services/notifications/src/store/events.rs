//! Outbox events: relayed to the queue, expanded, or stalled.
use chrono::{DateTime, Utc};
use entity::outbox;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
    sea_query::{Expr, LockBehavior, LockType},
};
use uuid::Uuid;

/// Takes up to `limit` events not yet relayed, runs `publish` on their ids and
/// marks them relayed, all in one transaction. On PostgreSQL the rows are locked
/// with `SKIP LOCKED`, so several relays never hand out the same event.
pub async fn relay_batch<F, Fut>(
    db: &DatabaseConnection,
    limit: u64,
    publish: F,
) -> Result<usize, anyhow::Error>
where
    F: FnOnce(Vec<Uuid>) -> Fut,
    Fut: std::future::Future<Output = Result<(), anyhow::Error>>,
{
    let txn = db.begin().await?;
    let mut query = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Id)
        .filter(outbox::Column::RelayedAt.is_null())
        .order_by_asc(outbox::Column::CreatedAt)
        .limit(limit);
    if txn.get_database_backend() == DbBackend::Postgres {
        query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let ids: Vec<Uuid> = query.into_tuple().all(&txn).await?;
    if ids.is_empty() {
        return Ok(0);
    }
    publish(ids.clone()).await?;
    mark_relayed(&txn, &ids, Utc::now()).await?;
    txn.commit().await?;
    Ok(ids.len())
}

/// An event by id.
pub async fn event(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<outbox::Model>, DbErr> {
    outbox::Entity::find_by_id(id).one(db).await
}

/// Records that the event has been expanded.
pub async fn mark_processed(db: &impl ConnectionTrait, event_id: Uuid) -> Result<(), DbErr> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::ProcessedAt, Expr::value(Utc::now()))
        .filter(outbox::Column::Id.eq(event_id))
        .exec(db)
        .await
        .map(|_| ())
}

/// Events relayed before `stale_before` but never expanded (their job was lost).
pub async fn stalled_events(
    db: &impl ConnectionTrait,
    stale_before: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Id)
        .filter(outbox::Column::ProcessedAt.is_null())
        .filter(outbox::Column::RelayedAt.lt(stale_before))
        .order_by_asc(outbox::Column::CreatedAt)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
}

/// Marks these events relayed at `now`; the sweep then waits a full timeout before trying them again.
pub async fn mark_relayed(db: &impl ConnectionTrait, ids: &[Uuid], now: DateTime<Utc>) -> Result<(), DbErr> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::RelayedAt, Expr::value(now))
        .filter(outbox::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await
        .map(|_| ())
}
