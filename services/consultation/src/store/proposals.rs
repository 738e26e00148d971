//! Proposals and supports of one town.
use chrono::Utc;
use common::TenantScope;
use entity::{proposal, support};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::{Expr, ExprTrait, OnConflict},
};
use uuid::Uuid;

use crate::domain::proposal::NewProposal;

/// A new proposal by `author`.
pub async fn submit(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    consultation: Uuid,
    author: Uuid,
    p: &NewProposal,
) -> Result<proposal::Model, DbErr> {
    let row = proposal::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.tenant_id()),
        consultation_id: Set(consultation),
        author_id: Set(author),
        title: Set(p.title.clone()),
        body: Set(p.body.clone()),
        category: Set(p.category.clone()),
        status: Set("submitted".into()),
        answer: Set(None),
        answered_at: Set(None),
        support_count: Set(0),
        created_at: Set(Utc::now()),
    };
    scope.insert(conn, row).await
}

/// How a list of proposals is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Supports,
    Newest,
}

/// A page of the consultation's proposals with their authors' names: two queries.
pub async fn page(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    consultation: Uuid,
    category: Option<&str>,
    sort: Sort,
    limit: u64,
    offset: u64,
) -> Result<Vec<(proposal::Model, Option<String>)>, DbErr> {
    let mut query =
        scope.find::<proposal::Entity>().filter(proposal::Column::ConsultationId.eq(consultation));
    if let Some(category) = category {
        query = query.filter(proposal::Column::Category.eq(category));
    }
    if sort == Sort::Supports {
        query = query.order_by_desc(proposal::Column::SupportCount);
    }
    let rows = query
        .order_by_desc(proposal::Column::CreatedAt)
        .order_by_desc(proposal::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?;
    let names = super::names(conn, scope, rows.iter().map(|p| p.author_id).collect::<Vec<_>>()).await?;
    Ok(rows
        .into_iter()
        .map(|p| {
            let name = names.iter().find(|(id, _)| *id == p.author_id).map(|(_, n)| n.clone());
            (p, name)
        })
        .collect())
}

/// The proposal `id` of this town.
pub async fn get(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
) -> Result<Option<proposal::Model>, DbErr> {
    scope.find::<proposal::Entity>().filter(proposal::Column::Id.eq(id)).one(conn).await
}

async fn bump(conn: &impl ConnectionTrait, scope: TenantScope, id: Uuid, by: i32) -> Result<(), DbErr> {
    proposal::Entity::update_many()
        .col_expr(proposal::Column::SupportCount, Expr::col(proposal::Column::SupportCount).add(by))
        .filter(proposal::Column::TenantId.eq(scope.tenant_id()))
        .filter(proposal::Column::Id.eq(id))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Adds `user`'s support once; the count moves only if a row was added.
pub async fn support(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    user: Uuid,
) -> Result<(), DbErr> {
    let row = support::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.tenant_id()),
        proposal_id: Set(id),
        user_id: Set(user),
        created_at: Set(Utc::now()),
    };
    let added = support::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([support::Column::ProposalId, support::Column::UserId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    if added == 1 { bump(conn, scope, id, 1).await } else { Ok(()) }
}

/// Withdraws `user`'s support if there is one.
pub async fn withdraw(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    user: Uuid,
) -> Result<(), DbErr> {
    let removed = support::Entity::delete_many()
        .filter(support::Column::TenantId.eq(scope.tenant_id()))
        .filter(support::Column::ProposalId.eq(id))
        .filter(support::Column::UserId.eq(user))
        .exec(conn)
        .await?
        .rows_affected;
    if removed == 1 { bump(conn, scope, id, -1).await } else { Ok(()) }
}

/// Whether `user` supports the proposal.
pub async fn supports(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    user: Uuid,
) -> Result<bool, DbErr> {
    Ok(scope
        .find::<support::Entity>()
        .filter(support::Column::ProposalId.eq(id))
        .filter(support::Column::UserId.eq(user))
        .one(conn)
        .await?
        .is_some())
}

/// Records the staff's answer.
pub async fn answer(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    status: &str,
    text: &str,
) -> Result<Option<proposal::Model>, DbErr> {
    let rows = proposal::Entity::update_many()
        .col_expr(proposal::Column::Status, Expr::value(status))
        .col_expr(proposal::Column::Answer, Expr::value(text))
        .col_expr(proposal::Column::AnsweredAt, Expr::value(Utc::now()))
        .filter(proposal::Column::TenantId.eq(scope.tenant_id()))
        .filter(proposal::Column::Id.eq(id))
        .exec_with_returning(conn)
        .await?;
    Ok(rows.into_iter().next())
}
