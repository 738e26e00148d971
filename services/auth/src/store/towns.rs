//! Towns as the operator sees them: requests, their review, their lifecycle.
use chrono::{DateTime, Datelike, TimeZone, Utc};
use common::domain::Slug;
use entity::{consultation, delivery, membership, tenant, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use crate::domain::signup::SignupRequest;

/// Statuses of a town that holds its commune: one such town per commune.
pub const LIVE: [&str; 4] = ["pending_email", "pending_review", "active", "suspended"];

/// Whether any town, whatever its status, has this slug.
pub async fn slug_taken(conn: &impl ConnectionTrait, slug: &Slug) -> Result<bool, DbErr> {
    Ok(tenant::Entity::find().filter(tenant::Column::Slug.eq(slug.as_ref())).count(conn).await? > 0)
}

/// Whether the commune already has a live town (the demo town does not count).
pub async fn commune_taken(conn: &impl ConnectionTrait, insee_code: &str) -> Result<bool, DbErr> {
    Ok(tenant::Entity::find()
        .filter(tenant::Column::InseeCode.eq(insee_code))
        .filter(tenant::Column::Status.is_in(LIVE))
        .filter(tenant::Column::Slug.ne(common::domain::DEMO_SLUG))
        .count(conn)
        .await?
        > 0)
}

/// Records a town's request, waiting for its contact to confirm the address.
pub async fn create_request(
    conn: &impl ConnectionTrait,
    req: &SignupRequest,
    name: &str,
) -> Result<tenant::Model, DbErr> {
    tenant::ActiveModel::new_town(tenant::NewTown {
        slug: req.slug.as_ref(),
        insee_code: req.insee_code.as_ref(),
        name,
        status: "pending_email",
        contact_email: req.contact_email.as_ref(),
        contact_name: req.contact_name.as_ref(),
    })
    .insert(conn)
    .await
}

/// The town `id`.
pub async fn by_id(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<tenant::Model>, DbErr> {
    tenant::Entity::find_by_id(id).one(conn).await
}

/// Moves town `id` from one of `from` to `to` in one statement, so that two
/// operators acting at once cannot both succeed; `None` if it was not in `from`.
pub async fn transition(
    conn: &impl ConnectionTrait,
    id: Uuid,
    from: &[&str],
    to: &str,
    change: impl FnOnce(sea_orm::UpdateMany<tenant::Entity>) -> sea_orm::UpdateMany<tenant::Entity>,
) -> Result<Option<tenant::Model>, DbErr> {
    let update = tenant::Entity::update_many()
        .col_expr(tenant::Column::Status, Expr::value(to))
        .col_expr(tenant::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(tenant::Column::Id.eq(id))
        .filter(tenant::Column::Status.is_in(from.iter().copied()));
    Ok(change(update).exec_with_returning(conn).await?.into_iter().next())
}

/// A town with what it uses; citizens are its accounts other than staff.
#[derive(Debug, Clone)]
pub struct TownUsage {
    pub town: tenant::Model,
    pub citizens: u64,
    pub consultations: u64,
    pub mails_sent_this_month: u64,
}

fn month_start(now: DateTime<Utc>) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0).single().unwrap_or(now)
}

/// Towns (of `status` when given), newest first, `limit` from `offset`, with their usage.
pub async fn list_with_usage(
    conn: &impl ConnectionTrait,
    status: Option<&str>,
    limit: u64,
    offset: u64,
) -> Result<Vec<TownUsage>, DbErr> {
    let mut query =
        tenant::Entity::find().order_by_desc(tenant::Column::CreatedAt).order_by_asc(tenant::Column::Id);
    if let Some(status) = status {
        query = query.filter(tenant::Column::Status.eq(status));
    }
    let towns = query.limit(limit).offset(offset).all(conn).await?;
    let ids: Vec<Uuid> = towns.iter().map(|t| t.id).collect();
    let citizens = count_by_town(
        conn,
        user::Entity::find()
            .select_only()
            .column(user::Column::TenantId)
            .column_as(user::Column::Id.count(), "n")
            .filter(user::Column::TenantId.is_in(ids.clone()))
            .group_by(user::Column::TenantId),
    )
    .await?;
    let staff = count_by_town(
        conn,
        membership::Entity::find()
            .select_only()
            .column(membership::Column::TenantId)
            .column_as(membership::Column::Id.count(), "n")
            .filter(membership::Column::TenantId.is_in(ids.clone()))
            .group_by(membership::Column::TenantId),
    )
    .await?;
    let consultations = count_by_town(
        conn,
        consultation::Entity::find()
            .select_only()
            .column(consultation::Column::TenantId)
            .column_as(consultation::Column::Id.count(), "n")
            .filter(consultation::Column::TenantId.is_in(ids.clone()))
            .group_by(consultation::Column::TenantId),
    )
    .await?;
    let mails = count_by_town(
        conn,
        delivery::Entity::find()
            .select_only()
            .column(delivery::Column::TenantId)
            .column_as(delivery::Column::Id.count(), "n")
            .filter(delivery::Column::TenantId.is_in(ids))
            .filter(delivery::Column::Status.eq("sent"))
            .filter(delivery::Column::SentAt.gte(month_start(Utc::now())))
            .group_by(delivery::Column::TenantId),
    )
    .await?;
    Ok(towns
        .into_iter()
        .map(|town| TownUsage {
            citizens: citizens
                .get(&town.id)
                .copied()
                .unwrap_or(0)
                .saturating_sub(staff.get(&town.id).copied().unwrap_or(0)),
            consultations: consultations.get(&town.id).copied().unwrap_or(0),
            mails_sent_this_month: mails.get(&town.id).copied().unwrap_or(0),
            town,
        })
        .collect())
}

async fn count_by_town<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    query: sea_orm::Select<E>,
) -> Result<std::collections::HashMap<Uuid, u64>, DbErr> {
    let rows: Vec<(Option<Uuid>, i64)> = query.into_tuple().all(conn).await?;
    Ok(rows.into_iter().filter_map(|(id, n)| Some((id?, u64::try_from(n).unwrap_or(0)))).collect())
}
