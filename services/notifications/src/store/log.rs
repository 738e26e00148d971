//! What a town's mail became: counts by status and day, per event, recent
//! failures with the server's answer, and a page of deliveries. A fixed
//! number of grouped queries whatever the volume.
use chrono::{DateTime, Utc};
use common::TenantScope;
use entity::{delivery, outbox};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr};
use uuid::Uuid;

/// (status, count).
pub type ByStatus = Vec<(String, i64)>;

/// Deliveries since `from` by status: one query.
pub async fn by_status(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    from: DateTime<Utc>,
) -> Result<ByStatus, DbErr> {
    scope
        .find::<delivery::Entity>()
        .select_only()
        .column(delivery::Column::Status)
        .column_as(delivery::Column::Id.count(), "n")
        .filter(delivery::Column::CreatedAt.gte(from))
        .group_by(delivery::Column::Status)
        .into_tuple()
        .all(conn)
        .await
}

/// Deliveries since `from` by day (UTC) and status, (day, status, count): one query.
pub async fn by_day(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    from: DateTime<Utc>,
) -> Result<Vec<(String, String, i64)>, DbErr> {
    scope
        .find::<delivery::Entity>()
        .select_only()
        .column_as(common::db::day_of(conn.get_database_backend(), "created_at"), "day")
        .column(delivery::Column::Status)
        .column_as(delivery::Column::Id.count(), "n")
        .filter(delivery::Column::CreatedAt.gte(from))
        .group_by(Expr::cust("day"))
        .group_by(delivery::Column::Status)
        .into_tuple()
        .all(conn)
        .await
}

/// The town's latest `n` events that mail someone, with their deliveries by
/// status: two queries.
pub async fn by_event(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    n: u64,
) -> Result<Vec<(outbox::Model, ByStatus)>, DbErr> {
    let events = scope
        .find::<outbox::Entity>()
        .filter(
            outbox::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(delivery::Column::EventId)
                    .from(delivery::Entity)
                    .and_where(delivery::Column::TenantId.eq(scope.tenant_id()))
                    .to_owned(),
            ),
        )
        .order_by_desc(outbox::Column::CreatedAt)
        .limit(n)
        .all(conn)
        .await?;
    let counts: Vec<(Uuid, String, i64)> = scope
        .find::<delivery::Entity>()
        .select_only()
        .column(delivery::Column::EventId)
        .column(delivery::Column::Status)
        .column_as(delivery::Column::Id.count(), "n")
        .filter(delivery::Column::EventId.is_in(events.iter().map(|e| e.id).collect::<Vec<_>>()))
        .group_by(delivery::Column::EventId)
        .group_by(delivery::Column::Status)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(events
        .into_iter()
        .map(|e| {
            let mine =
                counts.iter().filter(|(id, _, _)| *id == e.id).map(|(_, s, n)| (s.clone(), *n)).collect();
            (e, mine)
        })
        .collect())
}

/// A page of the town's deliveries, newest first, of `status` if given: one query.
pub async fn page(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    status: Option<&str>,
    limit: u64,
    offset: u64,
) -> Result<Vec<delivery::Model>, DbErr> {
    let mut query = scope.find::<delivery::Entity>();
    if let Some(status) = status {
        query = query.filter(delivery::Column::Status.eq(status));
    }
    query.order_by_desc(delivery::Column::Id).limit(limit).offset(offset).all(conn).await
}
