//! Recording an event in the same transaction as the change it announces:
//! if the transaction rolls back the event never existed; once it commits,
//! the relay will hand it to the queue even if this process dies at once.
use std::collections::HashSet;

use chrono::Utc;
use entity::outbox;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QuerySelect, Set,
    sea_query::OnConflict,
};
use serde_json::Value;
use uuid::Uuid;

use crate::tenancy::TenantScope;

/// The PostgreSQL channel told, at commit, that the outbox has new events; the
/// relay listens on it instead of waiting for its next poll.
pub const COMMITTED_CHANNEL: &str = "outbox_committed";

/// An event to record: what happened, the data the worker needs, and a key
/// that makes recording it twice (a retried request) record it once.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: String,
    pub payload: Value,
    pub idempotency_key: String,
}

/// Records `event` on `conn` (the caller's transaction) for `tenant`, or for the
/// platform when `None`. Returns the event's id; a key already recorded returns
/// the first event's id and records nothing.
pub async fn record(
    conn: &impl ConnectionTrait,
    tenant: Option<TenantScope>,
    event: NewEvent,
) -> Result<Uuid, DbErr> {
    let (id, key, row) = new_row(tenant, event);
    let inserted = outbox::Entity::insert(row)
        .on_conflict(OnConflict::column(outbox::Column::IdempotencyKey).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    wake_relay(conn).await?;
    if inserted == 1 {
        return Ok(id);
    }
    outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Id)
        .filter(outbox::Column::IdempotencyKey.eq(key))
        .into_tuple::<Uuid>()
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("outbox event just recorded".into()))
}

/// Records an event that happens once by nature (a notice), under a key of its
/// own. A plain insert: a town's request may post it for the platform (`None`)
/// though row-level security will not let it read the row back.
pub async fn record_once(
    conn: &impl ConnectionTrait,
    tenant: Option<TenantScope>,
    kind: &str,
    payload: Value,
) -> Result<Uuid, DbErr> {
    let event = NewEvent { kind: kind.to_owned(), payload, idempotency_key: Uuid::new_v4().to_string() };
    let (id, _, row) = new_row(tenant, event);
    outbox::Entity::insert(row).exec_without_returning(conn).await?;
    wake_relay(conn).await?;
    Ok(id)
}

/// The key an event recorded for `tenant` (the platform when `None`) under
/// `key` is stored with. Keys are per town, so two towns cannot collide.
pub fn stored_key(tenant: Option<Uuid>, key: &str) -> String {
    match tenant {
        Some(town) => format!("{town}/{key}"),
        None => format!("platform/{key}"),
    }
}

/// Which of `keys` (stored keys, see [`stored_key`]) are already recorded;
/// asks a thousand at a time, so any number of towns fits.
pub async fn recorded_keys(conn: &impl ConnectionTrait, keys: &[String]) -> Result<HashSet<String>, DbErr> {
    let mut recorded = HashSet::new();
    for batch in keys.chunks(crate::db::VALUES_PER_QUERY) {
        let found: Vec<String> = outbox::Entity::find()
            .select_only()
            .column(outbox::Column::IdempotencyKey)
            .filter(outbox::Column::IdempotencyKey.is_in(batch.iter().cloned()))
            .into_tuple()
            .all(conn)
            .await?;
        recorded.extend(found);
    }
    Ok(recorded)
}

fn new_row(tenant: Option<TenantScope>, event: NewEvent) -> (Uuid, String, outbox::ActiveModel) {
    let tenant_id = tenant.map(|t| t.tenant_id());
    let key = stored_key(tenant_id, &event.idempotency_key);
    let id = Uuid::new_v4();
    let row = outbox::ActiveModel {
        id: Set(id),
        tenant_id: Set(tenant_id),
        kind: Set(event.kind),
        payload: Set(event.payload),
        idempotency_key: Set(key.clone()),
        created_at: Set(Utc::now()),
        relayed_at: Set(None),
        processed_at: Set(None),
    };
    (id, key, row)
}

async fn wake_relay(conn: &impl ConnectionTrait) -> Result<(), DbErr> {
    if conn.get_database_backend() == DbBackend::Postgres {
        // Delivered when (and only if) the caller's transaction commits.
        conn.execute_unprepared(&format!("NOTIFY {COMMITTED_CHANNEL}")).await?;
    }
    Ok(())
}
