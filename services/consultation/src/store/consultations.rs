//! Consultations of one town.
use chrono::{DateTime, Utc};
use common::TenantScope;
use entity::consultation;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::Expr,
};
use uuid::Uuid;

use crate::domain::{
    consultation::{Audience, DraftFields},
    status::{ARCHIVED, CLOSED, DRAFT, Move, PUBLISHED},
};

fn categories_json(labels: &[String]) -> String {
    serde_json::Value::from(labels.to_vec()).to_string()
}

/// The categories stored on a consultation.
pub fn categories(c: &consultation::Model) -> Vec<String> {
    serde_json::from_str(&c.categories).unwrap_or_default()
}

/// A new draft by `author`.
pub async fn create(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    fields: &DraftFields,
    author: Uuid,
) -> Result<consultation::Model, DbErr> {
    let now = Utc::now();
    let row = consultation::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.tenant_id()),
        kind: Set(fields.kind.as_str().to_owned()),
        status: Set(DRAFT.to_owned()),
        title: Set(fields.title.clone()),
        summary: Set(fields.summary.clone()),
        body_markdown: Set(fields.body_markdown.clone()),
        body_html: Set(common::markdown::render(&fields.body_markdown)),
        audience: Set(fields.audience.as_str().to_owned()),
        opens_at: Set(fields.opens_at),
        closes_at: Set(fields.closes_at),
        budget_cents: Set(fields.budget_cents),
        published_at: Set(None),
        closed_at: Set(None),
        created_by: Set(Some(author)),
        categories: Set(categories_json(&fields.categories)),
        results_markdown: Set(None),
        results_html: Set(None),
        results_published_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    scope.insert(conn, row).await
}

/// Replaces a draft's fields; `None` if `id` is not a draft of this town.
pub async fn update_draft(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    fields: &DraftFields,
) -> Result<Option<consultation::Model>, DbErr> {
    let rows = consultation::Entity::update_many()
        .col_expr(consultation::Column::Kind, Expr::value(fields.kind.as_str()))
        .col_expr(consultation::Column::Title, Expr::value(fields.title.clone()))
        .col_expr(consultation::Column::Summary, Expr::value(fields.summary.clone()))
        .col_expr(consultation::Column::BodyMarkdown, Expr::value(fields.body_markdown.clone()))
        .col_expr(
            consultation::Column::BodyHtml,
            Expr::value(common::markdown::render(&fields.body_markdown)),
        )
        .col_expr(consultation::Column::Audience, Expr::value(fields.audience.as_str()))
        .col_expr(consultation::Column::OpensAt, Expr::value(fields.opens_at))
        .col_expr(consultation::Column::ClosesAt, Expr::value(fields.closes_at))
        .col_expr(consultation::Column::BudgetCents, Expr::value(fields.budget_cents))
        .col_expr(consultation::Column::Categories, Expr::value(categories_json(&fields.categories)))
        .col_expr(consultation::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(consultation::Column::TenantId.eq(scope.tenant_id()))
        .filter(consultation::Column::Id.eq(id))
        .filter(consultation::Column::Status.eq(DRAFT))
        .exec_with_returning(conn)
        .await?;
    Ok(rows.into_iter().next())
}

/// The consultation `id` of this town.
pub async fn get(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
) -> Result<Option<consultation::Model>, DbErr> {
    scope.find::<consultation::Entity>().filter(consultation::Column::Id.eq(id)).one(conn).await
}

/// Which consultations a list shows, by the clock as well as by status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// Published and not past `closes_at` (upcoming ones included).
    Open,
    /// Closed by hand, or published and past `closes_at`.
    Closed,
    Archived,
    Draft,
    /// Nothing at all (drafts asked for by the public).
    Nothing,
    /// Every status: for seeding and operator tools.
    All,
}

/// Consultations of `listing` at `now` (only those open to the public if
/// `public_only`), newest first: one query whatever their number.
pub async fn list(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    listing: Listing,
    public_only: bool,
    limit: u64,
    offset: u64,
) -> Result<Vec<consultation::Model>, DbErr> {
    let mut query = scope.find::<consultation::Entity>();
    if public_only {
        query = query.filter(consultation::Column::Audience.eq(Audience::Public.as_str()));
    }
    let now = Utc::now();
    let published = consultation::Column::Status.eq(PUBLISHED);
    let past = consultation::Column::ClosesAt.lte(now);
    let filter = match listing {
        Listing::Open => Condition::all().add(published).add(
            Condition::any()
                .add(consultation::Column::ClosesAt.is_null())
                .add(consultation::Column::ClosesAt.gt(now)),
        ),
        Listing::Closed => Condition::any()
            .add(consultation::Column::Status.eq(CLOSED))
            .add(Condition::all().add(published).add(past)),
        Listing::Archived => Condition::all().add(consultation::Column::Status.eq(ARCHIVED)),
        Listing::Draft => Condition::all().add(consultation::Column::Status.eq(DRAFT)),
        Listing::Nothing => Condition::all().add(Expr::value(false)),
        Listing::All => Condition::all(),
    };
    query
        .filter(filter)
        .order_by_desc(consultation::Column::CreatedAt)
        .order_by_desc(consultation::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await
}

/// Applies `mv` in one statement; `None` if the consultation is not in a status it applies to.
pub async fn apply(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    mv: Move,
    now: DateTime<Utc>,
) -> Result<Option<consultation::Model>, DbErr> {
    let mut update = consultation::Entity::update_many()
        .col_expr(consultation::Column::Status, Expr::value(mv.to()))
        .col_expr(consultation::Column::UpdatedAt, Expr::value(now));
    update = match mv {
        Move::Publish => update.col_expr(consultation::Column::PublishedAt, Expr::value(now)),
        Move::Close => update.col_expr(consultation::Column::ClosedAt, Expr::value(now)),
        Move::Archive => update,
    };
    let rows = update
        .filter(consultation::Column::TenantId.eq(scope.tenant_id()))
        .filter(consultation::Column::Id.eq(id))
        .filter(consultation::Column::Status.is_in(mv.from().iter().copied()))
        .exec_with_returning(conn)
        .await?;
    Ok(rows.into_iter().next())
}
