//! Projects and ballots of a participatory budget.
use chrono::Utc;
use common::TenantScope;
use entity::{ballot, ballot_item, project};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::NotStored;
use crate::domain::budget::NewProject;

/// Appends a project to the budget.
pub async fn add_project(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    consultation: Uuid,
    p: &NewProject,
) -> Result<project::Model, DbErr> {
    let position = scope
        .find::<project::Entity>()
        .filter(project::Column::ConsultationId.eq(consultation))
        .count(conn)
        .await? as i32
        + 1;
    let row = project::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.tenant_id()),
        consultation_id: Set(consultation),
        position: Set(position),
        title: Set(p.title.clone()),
        description: Set(p.description.clone()),
        cost_cents: Set(p.cost_cents),
        vote_count: Set(0),
        created_at: Set(Utc::now()),
    };
    scope.insert(conn, row).await
}

/// The budget's projects in their order: one query.
pub async fn projects(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    consultation: Uuid,
) -> Result<Vec<project::Model>, DbErr> {
    scope
        .find::<project::Entity>()
        .filter(project::Column::ConsultationId.eq(consultation))
        .order_by_asc(project::Column::Position)
        .all(conn)
        .await
}

/// Stores `user`'s ballot and counts a vote for each chosen project, all in the caller's transaction.
pub async fn cast(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    consultation: Uuid,
    user: Uuid,
    chosen: &[Uuid],
) -> Result<Uuid, NotStored> {
    let head = ballot::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.tenant_id()),
        consultation_id: Set(consultation),
        user_id: Set(user),
        created_at: Set(Utc::now()),
    };
    let stored = scope.insert(conn, head).await?;
    let items = chosen.iter().map(|p| ballot_item::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.tenant_id()),
        ballot_id: Set(stored.id),
        project_id: Set(*p),
    });
    ballot_item::Entity::insert_many(items).exec(conn).await.map_err(NotStored::Db)?;
    // One row at a time, in id order: two ballots sharing projects then lock
    // them in the same order and cannot deadlock (one UPDATE … IN (…) may
    // visit the rows in any order on PostgreSQL).
    let mut ordered = chosen.to_vec();
    ordered.sort_unstable();
    for id in ordered {
        project::Entity::update_many()
            .col_expr(project::Column::VoteCount, Expr::col(project::Column::VoteCount).add(1))
            .filter(project::Column::TenantId.eq(scope.tenant_id()))
            .filter(project::Column::Id.eq(id))
            .exec(conn)
            .await
            .map_err(NotStored::Db)?;
    }
    Ok(stored.id)
}
