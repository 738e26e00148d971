//! Counts behind results, the people who took part, and the published results text.
use chrono::Utc;
use common::TenantScope;
use entity::{answer, ballot, comment, consultation, proposal, user};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use crate::{domain::results::Tallies, store::latest};

/// Option, value and answered counts of the questions: three grouped queries.
pub async fn tallies(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    questions: &[Uuid],
) -> Result<Tallies, DbErr> {
    let of = || scope.find::<answer::Entity>().filter(answer::Column::QuestionId.is_in(questions.to_vec()));
    let options = of()
        .select_only()
        .column(answer::Column::QuestionId)
        .column(answer::Column::OptionId)
        .column_as(answer::Column::Id.count(), "n")
        .filter(answer::Column::OptionId.is_not_null())
        .group_by(answer::Column::QuestionId)
        .group_by(answer::Column::OptionId)
        .into_tuple()
        .all(conn)
        .await?;
    let values = of()
        .select_only()
        .column(answer::Column::QuestionId)
        .column(answer::Column::Value)
        .column_as(answer::Column::Id.count(), "n")
        .filter(answer::Column::Value.is_not_null())
        .group_by(answer::Column::QuestionId)
        .group_by(answer::Column::Value)
        .into_tuple()
        .all(conn)
        .await?;
    let answered = of()
        .select_only()
        .column(answer::Column::QuestionId)
        .column_as(Expr::col(answer::Column::ResponseId).count_distinct(), "n")
        .group_by(answer::Column::QuestionId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(Tallies { options, values, answered })
}

/// Most free-text answers shown per question with results; the export has them all.
pub const MAX_TEXTS: u64 = 1_000;

/// The latest free-text answers to each question, (question, text): one query.
pub async fn texts(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    questions: &[Uuid],
) -> Result<Vec<(Uuid, String)>, DbErr> {
    let given = scope
        .find::<answer::Entity>()
        .filter(answer::Column::QuestionId.is_in(questions.to_vec()))
        .filter(answer::Column::Text.is_not_null());
    let mut rows =
        latest::per_group(conn, given, answer::Column::QuestionId, answer::Column::Id, MAX_TEXTS).await?;
    // Newest first, as ids are time-ordered (v7).
    rows.sort_by_key(|a| std::cmp::Reverse(a.id));
    Ok(rows.into_iter().filter_map(|a| Some((a.question_id, a.text?))).collect())
}

/// Everyone who answered, proposed, supported, voted or commented in the consultation.
fn took_part(scope: TenantScope, consultation: Uuid) -> Condition {
    common::participation::subqueries(scope, consultation)
        .into_iter()
        .fold(Condition::any(), |any, ids| any.add(user::Column::Id.in_subquery(ids)))
}

/// How many people took part: one query.
pub async fn participants(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    consultation: Uuid,
) -> Result<u64, DbErr> {
    scope.find::<user::Entity>().filter(took_part(scope, consultation)).count(conn).await
}

/// Proposals and supports in an idea box: one query.
pub async fn proposal_totals(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    consultation: Uuid,
) -> Result<(i64, i64), DbErr> {
    let row: Option<(i64, Option<i64>)> = scope
        .find::<proposal::Entity>()
        .select_only()
        .column_as(proposal::Column::Id.count(), "n")
        .column_as(Expr::col(proposal::Column::SupportCount).sum().cast_as("BIGINT"), "supports")
        .filter(proposal::Column::ConsultationId.eq(consultation))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(row.map_or((0, 0), |(n, s)| (n, s.unwrap_or(0))))
}

/// Visible comments of a consultation: one query.
pub async fn comment_count(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    consultation: Uuid,
) -> Result<u64, DbErr> {
    scope
        .find::<comment::Entity>()
        .filter(comment::Column::ConsultationId.eq(consultation))
        .filter(comment::Column::HiddenAt.is_null())
        .count(conn)
        .await
}

/// Ballots cast in a budget: one query.
pub async fn ballot_count(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    consultation: Uuid,
) -> Result<u64, DbErr> {
    scope.find::<ballot::Entity>().filter(ballot::Column::ConsultationId.eq(consultation)).count(conn).await
}

/// Stores the results text; returns the row and whether this is its first
/// publication, decided by the update itself so that two racing admins
/// cannot both send the news.
pub async fn publish_text(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    body_markdown: &str,
) -> Result<Option<(consultation::Model, bool)>, DbErr> {
    let now = Utc::now();
    let first = consultation::Entity::update_many()
        .col_expr(consultation::Column::ResultsPublishedAt, Expr::value(now))
        .filter(consultation::Column::TenantId.eq(scope.tenant_id()))
        .filter(consultation::Column::Id.eq(id))
        .filter(consultation::Column::ResultsPublishedAt.is_null())
        .exec(conn)
        .await?
        .rows_affected
        == 1;
    let rows = consultation::Entity::update_many()
        .col_expr(consultation::Column::ResultsMarkdown, Expr::value(body_markdown))
        .col_expr(consultation::Column::ResultsHtml, Expr::value(common::markdown::render(body_markdown)))
        .col_expr(consultation::Column::UpdatedAt, Expr::value(now))
        .filter(consultation::Column::TenantId.eq(scope.tenant_id()))
        .filter(consultation::Column::Id.eq(id))
        .exec_with_returning(conn)
        .await?;
    Ok(rows.into_iter().next().map(|c| (c, first)))
}
