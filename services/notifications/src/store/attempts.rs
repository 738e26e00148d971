//! Leasing deliveries for a send and recording what came of it.
use chrono::{DateTime, Utc};
use entity::delivery;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, QuerySelect, Set,
    sea_query::{Expr, ExprTrait, LockBehavior, LockType},
};
use uuid::Uuid;

use super::{not_held, status};

/// Takes for `until` those of `ids` that are queued, due and not held by another
/// worker, and returns them; the others are being sent elsewhere or are done.
pub async fn lease_many(
    db: &DatabaseConnection,
    ids: &[Uuid],
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<delivery::Model>, DbErr> {
    // The conditions sit inside a CASE, which no index can answer, so rows are
    // found by primary key alone. Written plainly, PostgreSQL's generic plan ANDed
    // the due index in, and each batch scanned every queued delivery of a large
    // fan-out whenever statistics lagged. A row another worker is leasing at the
    // same moment is checked again once that worker commits.
    delivery::Entity::update_many()
        .col_expr(delivery::Column::LockedUntil, Expr::value(until))
        .filter(delivery::Column::Id.is_in(ids.iter().copied()))
        .filter(leasable(now))
        .exec_with_returning(db)
        .await
}

/// PostgreSQL: locks those of `ids` that are queued, due and not held, for as long
/// as `txn` lasts, and returns them. The send and its record then happen in that
/// transaction: one write per delivery fewer than a lease, and a worker that dies
/// mid-send releases its rows with its connection.
pub async fn lock_many(
    txn: &DatabaseTransaction,
    ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<Vec<delivery::Model>, DbErr> {
    delivery::Entity::find()
        .filter(delivery::Column::Id.is_in(ids.iter().copied()))
        .filter(leasable(now))
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(txn)
        .await
}

/// Queued, due and not held, wrapped in a CASE so that only the primary key finds rows.
fn leasable(now: DateTime<Utc>) -> Expr {
    let leasable = Condition::all()
        .add(delivery::Column::Status.eq(status::QUEUED))
        .add(delivery::Column::NextAttemptAt.lte(now))
        .add(not_held(now));
    Expr::case(leasable, true).finally(false).into()
}

/// Records a successful first-or-later attempt for many deliveries in one statement.
pub async fn mark_sent_many(
    db: &impl ConnectionTrait,
    sent: &[Uuid],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if sent.is_empty() {
        return Ok(());
    }
    delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value(status::SENT))
        .col_expr(delivery::Column::Attempts, Expr::col(delivery::Column::Attempts).add(1))
        .col_expr(delivery::Column::SentAt, Expr::value(now))
        .col_expr(delivery::Column::LastError, Expr::value(Option::<String>::None))
        .col_expr(delivery::Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
        .filter(delivery::Column::Id.is_in(sent.iter().copied()))
        .exec(db)
        .await
        .map(|_| ())
}

/// Closes deliveries that will never be sent, with the reason as their
/// `status` (unsubscribed since the fan-out began, a digest with nothing new).
pub async fn close_many(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    closed_as: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value(closed_as))
        .col_expr(delivery::Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
        .filter(delivery::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await
        .map(|_| ())
}

/// What became of one sending attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptResult {
    Sent,
    /// Queued again, to be tried at that time.
    Retry {
        error: String,
        at: DateTime<Utc>,
    },
    Failed {
        error: String,
    },
    Dead {
        error: String,
    },
}

/// Records an attempt that did not send the mail, and releases the lease.
pub async fn record_attempt(
    db: &impl ConnectionTrait,
    id: Uuid,
    attempts: i32,
    result: &AttemptResult,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let mut row = delivery::ActiveModel {
        id: Set(id),
        attempts: Set(attempts),
        locked_until: Set(None),
        updated_at: Set(now),
        ..Default::default()
    };
    match result {
        // A send is recorded in bulk, by one statement for the whole batch.
        AttemptResult::Sent => return mark_sent_many(db, &[id], now).await,
        AttemptResult::Retry { error, at } => {
            row.next_attempt_at = Set(*at);
            row.enqueued_at = Set(None);
            row.last_error = Set(Some(error.clone()));
        }
        AttemptResult::Failed { error } => {
            row.status = Set(status::FAILED.into());
            row.last_error = Set(Some(error.clone()));
        }
        AttemptResult::Dead { error } => {
            row.status = Set(status::DEAD.into());
            row.last_error = Set(Some(error.clone()));
        }
    }
    delivery::Entity::update(row).exec(db).await.map(|_| ())
}
