//! Database access of the mail pipeline. The database is the source of truth:
//! the queue only carries references and can be lost without losing mail.
use chrono::{DateTime, Utc};
use entity::{delivery, outbox};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, Statement, TransactionTrait, TryInsertResult,
    sea_query::{Expr, ExprTrait, LockBehavior, LockType},
};
use uuid::Uuid;

/// Delivery states.
pub mod status {
    pub const QUEUED: &str = "queued";
    pub const SENT: &str = "sent";
    pub const FAILED: &str = "failed";
    pub const DEAD: &str = "dead";
}

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
    outbox::Entity::update_many()
        .col_expr(outbox::Column::RelayedAt, Expr::value(Utc::now()))
        .filter(outbox::Column::Id.is_in(ids.clone()))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(ids.len())
}

/// An event by id.
pub async fn event(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<outbox::Model>, DbErr> {
    outbox::Entity::find_by_id(id).one(db).await
}

/// Creates one queued delivery per recipient and returns the ids of those it
/// created; a recipient who already has one for this event gets nothing new.
/// Ids are time-ordered (UUIDv7), so a fan-out's rows sit together in the
/// primary key rather than scattered across it.
pub async fn insert_deliveries(
    db: &impl ConnectionTrait,
    event: &outbox::Model,
    recipients: &[String],
) -> Result<Vec<Uuid>, DbErr> {
    if recipients.is_empty() {
        return Ok(Vec::new());
    }
    let now = Utc::now();
    if db.get_database_backend() == DbBackend::Postgres {
        return insert_deliveries_postgres(db, event, recipients, now).await;
    }
    let rows = recipients.iter().map(|recipient| delivery::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(event.tenant_id),
        event_id: Set(event.id),
        recipient: Set(recipient.clone()),
        status: Set(status::QUEUED.into()),
        attempts: Set(0),
        last_error: Set(None),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        enqueued_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        sent_at: Set(None),
    });
    let inserted = delivery::Entity::insert_many(rows)
        .on_conflict_do_nothing_on([delivery::Column::EventId, delivery::Column::Recipient])
        .exec_with_returning_keys(db)
        .await?;
    Ok(match inserted {
        TryInsertResult::Inserted(ids) => ids,
        TryInsertResult::Empty | TryInsertResult::Conflicted => Vec::new(),
    })
}

/// PostgreSQL takes the recipients as one JSON array: a statement with a
/// dozen parameters per row costs far more to send and plan than to run.
async fn insert_deliveries_postgres(
    db: &impl ConnectionTrait,
    event: &outbox::Model,
    recipients: &[String],
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, DbErr> {
    let rows: Vec<(Uuid, &str)> = recipients.iter().map(|r| (Uuid::now_v7(), r.as_str())).collect();
    let rows = serde_json::to_string(&rows).map_err(|e| DbErr::Custom(e.to_string()))?;
    let statement = Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO deliveries \
           (id, tenant_id, event_id, recipient, status, attempts, next_attempt_at, enqueued_at, \
            created_at, updated_at) \
         SELECT (r->>0)::uuid, $1, $2, r->>1, $3, 0, $4, $4, $4, $4 \
           FROM jsonb_array_elements($5::jsonb) AS r \
         ON CONFLICT (event_id, recipient) DO NOTHING \
         RETURNING id",
        [event.tenant_id.into(), event.id.into(), status::QUEUED.into(), now.into(), rows.into()],
    );
    db.query_all_raw(statement).await?.iter().map(|row| row.try_get::<Uuid>("", "id")).collect()
}

/// Ids of the event's deliveries still waiting to be sent.
pub async fn queued_for_event(db: &impl ConnectionTrait, event_id: Uuid) -> Result<Vec<Uuid>, DbErr> {
    delivery::Entity::find()
        .select_only()
        .column(delivery::Column::Id)
        .filter(delivery::Column::EventId.eq(event_id))
        .filter(delivery::Column::Status.eq(status::QUEUED))
        .into_tuple()
        .all(db)
        .await
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

/// Deliveries no worker holds a lease on at `now`.
fn not_held(now: DateTime<Utc>) -> Condition {
    Condition::any().add(delivery::Column::LockedUntil.is_null()).add(delivery::Column::LockedUntil.lt(now))
}

/// Takes for `until` those of `ids` that are queued, due and not held by another
/// worker, and returns them; the others are being sent elsewhere or are done.
pub async fn lease_many(
    db: &DatabaseConnection,
    ids: &[Uuid],
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<delivery::Model>, DbErr> {
    let update = delivery::Entity::update_many()
        .col_expr(delivery::Column::LockedUntil, Expr::value(until))
        .filter(delivery::Column::Id.is_in(ids.iter().copied()));
    if db.get_database_backend() != DbBackend::Postgres {
        return update
            .filter(delivery::Column::Status.eq(status::QUEUED))
            .filter(delivery::Column::NextAttemptAt.lte(now))
            .filter(not_held(now))
            .exec_with_returning(db)
            .await;
    }
    // PostgreSQL: the conditions sit inside a CASE, which no index can answer, so
    // rows are found by primary key alone. Written plainly, the generic plan ANDed
    // the due index in, and each batch scanned every queued delivery of a large
    // fan-out whenever statistics lagged. A row another worker is leasing at the
    // same moment is checked again once that worker commits.
    update
        .filter(Expr::cust_with_values(
            "CASE WHEN \"status\" = $1 AND \"next_attempt_at\" <= $2 \
                 AND (\"locked_until\" IS NULL OR \"locked_until\" < $2) THEN TRUE ELSE FALSE END",
            [sea_orm::Value::from(status::QUEUED), now.into()],
        ))
        .exec_with_returning(db)
        .await
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

/// `status = 'queued'` with the value in the SQL text rather than bound: only then
/// does every plan, generic ones included, use the index of queued deliveries.
fn queued_written_out() -> Expr {
    Expr::col((delivery::Entity, delivery::Column::Status)).eq(Expr::cust(format!("'{}'", status::QUEUED)))
}

/// Queued deliveries that are due and whose last send job (if any) is older than
/// `stale_before`: a retry that came due, or a job the queue lost.
pub async fn due_deliveries(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    stale_before: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    delivery::Entity::find()
        .select_only()
        .column(delivery::Column::Id)
        .filter(queued_written_out())
        .filter(delivery::Column::NextAttemptAt.lte(now))
        .filter(
            Condition::any()
                .add(delivery::Column::EnqueuedAt.is_null())
                .add(delivery::Column::EnqueuedAt.lt(stale_before)),
        )
        .filter(not_held(now))
        .order_by_asc(delivery::Column::NextAttemptAt)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
}

/// Notes that send jobs for these deliveries are on the queue.
pub async fn mark_enqueued(db: &impl ConnectionTrait, ids: &[Uuid], now: DateTime<Utc>) -> Result<(), DbErr> {
    delivery::Entity::update_many()
        .col_expr(delivery::Column::EnqueuedAt, Expr::value(now))
        .filter(delivery::Column::Id.is_in(ids.iter().copied()))
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

/// Marks these events relayed again (now), so the sweep waits a full timeout before the next try.
pub async fn mark_relayed(db: &impl ConnectionTrait, ids: &[Uuid], now: DateTime<Utc>) -> Result<(), DbErr> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::RelayedAt, Expr::value(now))
        .filter(outbox::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await
        .map(|_| ())
}
