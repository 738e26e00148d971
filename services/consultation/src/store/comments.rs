//! Comments, reports and moderation of one town.
use chrono::{DateTime, Utc};
use common::TenantScope;
use entity::{comment, comment_report};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::{Expr, ExprTrait, OnConflict},
};
use uuid::Uuid;

use crate::{domain::comment::CommentText, store::latest};

/// Where a comment sits: a consultation, or one proposal of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thread {
    pub consultation: Uuid,
    pub proposal: Option<Uuid>,
}

/// A new comment by `author`, a reply if `parent` is set.
pub async fn add(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    thread: Thread,
    parent: Option<Uuid>,
    author: Uuid,
    text: &CommentText,
) -> Result<comment::Model, DbErr> {
    let row = comment::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.tenant_id()),
        consultation_id: Set(thread.consultation),
        proposal_id: Set(thread.proposal),
        parent_id: Set(parent),
        author_id: Set(author),
        body_markdown: Set(text.markdown.clone()),
        body_html: Set(text.html.clone()),
        open_reports: Set(0),
        hidden_at: Set(None),
        hidden_by: Set(None),
        moderation_reason: Set(None),
        moderated_at: Set(None),
        created_at: Set(Utc::now()),
        edited_at: Set(None),
    };
    scope.insert(conn, row).await
}

/// The comment `id` of this town.
pub async fn get(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
) -> Result<Option<comment::Model>, DbErr> {
    scope.find::<comment::Entity>().filter(comment::Column::Id.eq(id)).one(conn).await
}

/// Most replies shown under one comment: the latest ones.
pub const MAX_REPLIES: u64 = 50;

/// A top-level comment with its latest replies (oldest first) and how many it has.
pub type WithReplies = (comment::Model, Vec<comment::Model>, i64);

/// A page of top-level comments of a thread, newest first, each with its
/// latest [`MAX_REPLIES`] replies: three queries, whatever the page holds.
pub async fn page(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    thread: Thread,
    limit: u64,
    offset: u64,
) -> Result<Vec<WithReplies>, DbErr> {
    let mut top = scope
        .find::<comment::Entity>()
        .filter(comment::Column::ConsultationId.eq(thread.consultation))
        .filter(comment::Column::ParentId.is_null());
    top = match thread.proposal {
        Some(p) => top.filter(comment::Column::ProposalId.eq(p)),
        None => top.filter(comment::Column::ProposalId.is_null()),
    };
    let top = top
        .order_by_desc(comment::Column::CreatedAt)
        .order_by_desc(comment::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?;
    let parents: Vec<Uuid> = top.iter().map(|c| c.id).collect();
    let of_parents =
        || scope.find::<comment::Entity>().filter(comment::Column::ParentId.is_in(parents.clone()));
    // Ids are time-ordered (v7): the greatest are the latest.
    let mut replies =
        latest::per_group(conn, of_parents(), comment::Column::ParentId, comment::Column::Id, MAX_REPLIES)
            .await?;
    replies.sort_by_key(|r| (r.created_at, r.id));
    let counts: Vec<(Uuid, i64)> = of_parents()
        .select_only()
        .column(comment::Column::ParentId)
        .column_as(comment::Column::Id.count(), "n")
        .group_by(comment::Column::ParentId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(top
        .into_iter()
        .map(|c| {
            let (mine, rest): (Vec<_>, Vec<_>) = replies.drain(..).partition(|r| r.parent_id == Some(c.id));
            replies = rest;
            let count = counts.iter().find(|(id, _)| *id == c.id).map_or(0, |(_, n)| *n);
            (c, mine, count)
        })
        .collect())
}

/// Replaces the text of a visible comment.
pub async fn edit(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    text: &CommentText,
) -> Result<Option<comment::Model>, DbErr> {
    let rows = comment::Entity::update_many()
        .col_expr(comment::Column::BodyMarkdown, Expr::value(text.markdown.clone()))
        .col_expr(comment::Column::BodyHtml, Expr::value(text.html.clone()))
        .col_expr(comment::Column::EditedAt, Expr::value(Utc::now()))
        .filter(comment::Column::TenantId.eq(scope.tenant_id()))
        .filter(comment::Column::Id.eq(id))
        .filter(comment::Column::HiddenAt.is_null())
        .exec_with_returning(conn)
        .await?;
    Ok(rows.into_iter().next())
}

/// Records `reporter`'s report once; the open count moves only if it is new
/// and the comment is not hidden already. Returns whether it was new.
pub async fn report(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    reporter: Uuid,
    reason: &str,
) -> Result<bool, DbErr> {
    let row = comment_report::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.tenant_id()),
        comment_id: Set(id),
        reporter_id: Set(reporter),
        reason: Set(reason.to_owned()),
        created_at: Set(Utc::now()),
    };
    let added = comment_report::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([comment_report::Column::CommentId, comment_report::Column::ReporterId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    if added == 1 {
        comment::Entity::update_many()
            .col_expr(comment::Column::OpenReports, Expr::col(comment::Column::OpenReports).add(1))
            .filter(comment::Column::TenantId.eq(scope.tenant_id()))
            .filter(comment::Column::Id.eq(id))
            .filter(comment::Column::HiddenAt.is_null())
            .exec(conn)
            .await?;
    }
    Ok(added == 1)
}

/// A moderator's decision on a comment.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Hidden, with the reason shown in its place.
    Hide { reason: String },
    /// Shown again (or kept), the open reports dismissed.
    Restore,
}

/// Applies a decision; the reports made so far are settled either way.
pub async fn moderate(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    moderator: Uuid,
    decision: &Decision,
) -> Result<Option<comment::Model>, DbErr> {
    let (hidden_at, hidden_by, reason): (Option<DateTime<Utc>>, Option<Uuid>, Option<String>) = match decision
    {
        Decision::Hide { reason } => (Some(Utc::now()), Some(moderator), Some(reason.clone())),
        Decision::Restore => (None, None, None),
    };
    let rows = comment::Entity::update_many()
        .col_expr(comment::Column::HiddenAt, Expr::value(hidden_at))
        .col_expr(comment::Column::HiddenBy, Expr::value(hidden_by))
        .col_expr(comment::Column::ModerationReason, Expr::value(reason))
        .col_expr(comment::Column::OpenReports, Expr::value(0))
        .col_expr(comment::Column::ModeratedAt, Expr::value(Utc::now()))
        .filter(comment::Column::TenantId.eq(scope.tenant_id()))
        .filter(comment::Column::Id.eq(id))
        .exec_with_returning(conn)
        .await?;
    Ok(rows.into_iter().next())
}

/// Which comments a moderator looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    /// Reported and not yet decided, most reported first.
    Reported,
    /// Hidden, most recently first.
    Hidden,
}

/// A page of the moderation queue with the reasons given in the reports not
/// yet settled by a decision: two queries.
pub async fn queue(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    which: Queue,
    limit: u64,
    offset: u64,
) -> Result<Vec<(comment::Model, Vec<String>)>, DbErr> {
    let query = scope.find::<comment::Entity>();
    let query = match which {
        Queue::Reported => query
            .filter(comment::Column::OpenReports.gt(0))
            .order_by_desc(comment::Column::OpenReports)
            .order_by_asc(comment::Column::CreatedAt),
        Queue::Hidden => {
            query.filter(comment::Column::HiddenAt.is_not_null()).order_by_desc(comment::Column::HiddenAt)
        }
    };
    let rows = query.order_by_asc(comment::Column::Id).limit(limit).offset(offset).all(conn).await?;
    let ids: Vec<Uuid> = rows.iter().map(|c| c.id).collect();
    let reasons: Vec<(Uuid, String, DateTime<Utc>)> = scope
        .find::<comment_report::Entity>()
        .select_only()
        .column(comment_report::Column::CommentId)
        .column(comment_report::Column::Reason)
        .column(comment_report::Column::CreatedAt)
        .filter(comment_report::Column::CommentId.is_in(ids))
        .order_by_asc(comment_report::Column::CreatedAt)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|c| {
            let open = |at: &DateTime<Utc>| c.moderated_at.is_none_or(|decided| *at > decided);
            let mine = reasons
                .iter()
                .filter(|(id, _, at)| *id == c.id && open(at))
                .map(|(_, r, _)| r.clone())
                .collect();
            (c, mine)
        })
        .collect())
}
