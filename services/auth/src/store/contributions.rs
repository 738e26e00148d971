//! What one person contributed in a town, for their copy of their data.
use common::TenantScope;
use entity::{
    TenantOwned, answer, ballot, ballot_item, comment, comment_report, proposal, response, support,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

async fn rows<E>(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    col: E::Column,
    ids: Vec<Uuid>,
) -> Result<Vec<Value>, DbErr>
where
    E: TenantOwned,
    E::Model: Sync,
{
    scope.find::<E>().filter(col.is_in(ids)).into_json().all(conn).await
}

/// Responses with their answers, proposals, supports, ballots with their
/// choices, comments and reports by `user`: one query each.
pub async fn of(conn: &impl ConnectionTrait, scope: TenantScope, user: Uuid) -> Result<Value, DbErr> {
    let me = || vec![user];
    let responses = rows::<response::Entity>(conn, scope, response::Column::UserId, me()).await?;
    let response_ids = ids(&responses);
    let ballots = rows::<ballot::Entity>(conn, scope, ballot::Column::UserId, me()).await?;
    let ballot_ids = ids(&ballots);
    Ok(json!({
        "responses": responses,
        "answers": rows::<answer::Entity>(conn, scope, answer::Column::ResponseId, response_ids).await?,
        "proposals": rows::<proposal::Entity>(conn, scope, proposal::Column::AuthorId, me()).await?,
        "supports": rows::<support::Entity>(conn, scope, support::Column::UserId, me()).await?,
        "ballots": ballots,
        "ballot_items": rows::<ballot_item::Entity>(conn, scope, ballot_item::Column::BallotId, ballot_ids).await?,
        "comments": rows::<comment::Entity>(conn, scope, comment::Column::AuthorId, me()).await?,
        "comment_reports": rows::<comment_report::Entity>(conn, scope, comment_report::Column::ReporterId, me()).await?,
    }))
}

fn ids(rows: &[Value]) -> Vec<Uuid> {
    rows.iter().filter_map(|r| r.get("id")?.as_str()?.parse().ok()).collect()
}
