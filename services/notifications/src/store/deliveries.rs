//! Creating deliveries and finding those waiting to be sent.
use chrono::{DateTime, Datelike, Utc};
use entity::{delivery, outbox};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, Statement, TryInsertResult,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::{not_held, status};

/// Creates one queued delivery per recipient and returns the ids of those it
/// created; a recipient who already has one for this event gets nothing new.
/// Ids are time-ordered (UUIDv7), so a fan-out's rows sit together in the
/// primary key rather than scattered across it.
/// Records deliveries that will not be sent (`status`: over the town's quota),
/// so that the delivery log shows who did not get the mail and why.
pub async fn insert_closed_deliveries(
    db: &impl ConnectionTrait,
    event: &outbox::Model,
    recipients: &[String],
    status: &str,
) -> Result<(), DbErr> {
    if recipients.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let rows = recipients.iter().map(|recipient| delivery::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(event.tenant_id),
        event_id: Set(event.id),
        recipient: Set(recipient.clone()),
        status: Set(status.to_owned()),
        attempts: Set(0),
        last_error: Set(None),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        enqueued_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        sent_at: Set(None),
    });
    delivery::Entity::insert_many(rows)
        .on_conflict_do_nothing_on([delivery::Column::EventId, delivery::Column::Recipient])
        .exec_without_returning(db)
        .await
        .map(|_| ())
}

/// How many mails the town has had made this calendar month (UTC), those
/// never sent (over quota, unsubscribed, a digest with nothing new) aside:
/// one query.
pub async fn made_this_month(db: &impl ConnectionTrait, tenant: Uuid) -> Result<u64, DbErr> {
    let now = Utc::now();
    let month_start =
        now.date_naive().with_day(1).and_then(|d| d.and_hms_opt(0, 0, 0)).map_or(now, |t| t.and_utc());
    delivery::Entity::find()
        .filter(delivery::Column::TenantId.eq(tenant))
        .filter(delivery::Column::CreatedAt.gte(month_start))
        .filter(delivery::Column::Status.is_not_in([
            status::OVER_QUOTA,
            status::UNSUBSCRIBED,
            status::NOTHING_NEW,
        ]))
        .count(db)
        .await
}

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
