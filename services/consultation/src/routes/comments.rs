//! Comments on consultations and on proposals: citizens write, reply, edit
//! for a while and report; a reply tells the parent's author by mail.
use actix_web::{HttpResponse, http::StatusCode, web};
use chrono::{DateTime, Utc};
use common::{
    AppState, Problem, Town,
    auth::Principal,
    i18n::Text,
    outbox::{self, NewEvent},
    paging::Page,
    problem::FieldError,
};
use entity::{comment, user};
use sea_orm::{ColumnTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::{
    domain::comment::{CommentText, editable, parse_reason},
    routes::{
        access::{Viewer, conflict, require_open, visible},
        citizen::verified,
    },
    store::{
        comments::{self, Thread},
        proposals,
    },
};

/// Registers the comment routes on one consultation, inside its scope (town host).
pub fn on_consultation(cfg: &mut web::ServiceConfig) {
    cfg.route("/comments", web::post().to(post_on_consultation))
        .route("/comments", web::get().to(list_on_consultation));
}

/// Registers the routes on proposals and comments.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/proposals/{id}/comments", web::post().to(post_on_proposal))
        .route("/api/v1/proposals/{id}/comments", web::get().to(list_on_proposal))
        .route("/api/v1/comments/{id}", web::patch().to(edit))
        .route("/api/v1/comments/{id}/report", web::post().to(report));
}

/// A comment to post; `parent_id` makes it a reply to a top-level comment of the same thread.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CommentBody {
    body: String,
    parent_id: Option<Uuid>,
}

/// A new text for one's own comment, within the edit window.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EditBody {
    body: String,
}

/// Why a citizen reports a comment.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReportBody {
    reason: String,
}

/// A comment as people see it: a hidden one shows the moderator's reason instead of its text.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CommentDto {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub proposal_id: Option<Uuid>,
    pub author: Option<String>,
    pub body_html: Option<String>,
    pub hidden: bool,
    pub moderation_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    /// Staff only: reports not yet looked at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_reports: Option<i32>,
    /// Top-level comments only: how many replies they have in all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_count: Option<i64>,
    /// Top-level comments only: their latest 50 replies, oldest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub replies: Option<Vec<CommentDto>>,
}

/// The comment as `staff` or the public see it, with the author's name if known.
pub fn dto(c: comment::Model, names: &[(Uuid, String)], staff: bool) -> CommentDto {
    let hidden = c.hidden_at.is_some();
    CommentDto {
        id: c.id,
        parent_id: c.parent_id,
        proposal_id: c.proposal_id,
        author: names.iter().find(|(id, _)| *id == c.author_id).map(|(_, n)| n.clone()),
        body_html: (!hidden).then_some(c.body_html),
        hidden,
        moderation_reason: if hidden { c.moderation_reason } else { None },
        created_at: c.created_at,
        edited_at: c.edited_at,
        open_reports: staff.then_some(c.open_reports),
        reply_count: None,
        replies: None,
    }
}

/// The thread a proposal's comments go to, if the proposal is visible.
async fn proposal_thread(
    state: &AppState,
    town: &Town,
    viewer: Viewer,
    id: Uuid,
) -> Result<(Thread, bool), Problem> {
    let p = proposals::get(&state.db, town.scope(), id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(Problem::not_found)?;
    let c = visible(state, town, viewer, p.consultation_id).await?;
    let open = require_open(&c).is_ok();
    Ok((Thread { consultation: c.id, proposal: Some(p.id) }, open))
}

async fn consultation_thread(
    state: &AppState,
    town: &Town,
    viewer: Viewer,
    id: Uuid,
) -> Result<(Thread, bool), Problem> {
    let c = visible(state, town, viewer, id).await?;
    let open = require_open(&c).is_ok();
    Ok((Thread { consultation: c.id, proposal: None }, open))
}

async fn post(
    state: &AppState,
    town: &Town,
    principal: &Principal,
    thread: Thread,
    body: CommentBody,
) -> Result<HttpResponse, Problem> {
    let author = verified(state, town, principal).await?;
    let text = CommentText::parse(&body.body).map_err(Problem::validation)?;
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    let parent = match body.parent_id {
        None => None,
        Some(pid) => {
            let parent = comments::get(&txn, town.scope(), pid).await.map_err(Problem::internal)?;
            let fits = |p: &comment::Model| {
                p.consultation_id == thread.consultation
                    && p.proposal_id == thread.proposal
                    && p.parent_id.is_none()
                    && p.hidden_at.is_none()
            };
            Some(parent.filter(fits).ok_or_else(|| {
                Problem::validation(vec![FieldError::new(
                    "parent_id",
                    Text::fixed(
                        "Un commentaire visible de premier niveau de ce fil.",
                        "A visible top-level comment of this thread.",
                    ),
                )])
            })?)
        }
    };
    let added = comments::add(&txn, town.scope(), thread, parent.as_ref().map(|p| p.id), author.id, &text)
        .await
        .map_err(Problem::internal)?;
    if let Some(parent) = parent.filter(|p| p.author_id != author.id) {
        notify_reply(&txn, town, &parent, &author).await?;
    }
    txn.commit().await.map_err(Problem::internal)?;
    Ok(HttpResponse::Created().json(dto(added, &[(author.id, author.display_name)], false)))
}

/// Queues a mail to the parent's author, if their address is verified.
async fn notify_reply(
    txn: &sea_orm::DatabaseTransaction,
    town: &Town,
    parent: &comment::Model,
    replier: &user::Model,
) -> Result<(), Problem> {
    let parent_author = town
        .scope()
        .find::<user::Entity>()
        .filter(user::Column::Id.eq(parent.author_id))
        .filter(user::Column::EmailVerifiedAt.is_not_null())
        .one(txn)
        .await
        .map_err(Problem::internal)?;
    let Some(to) = parent_author else { return Ok(()) };
    let body = format!(
        "Bonjour {},\n\n{} a répondu à votre commentaire sur la plateforme de participation de {}.",
        to.display_name, replier.display_name, town.name
    );
    let payload = json!({
        "recipients": [to.email],
        "topic": "replies",
        "mail": { "template": "notice", "params": { "subject": "Réponse à votre commentaire", "body": body } },
    });
    outbox::record(
        txn,
        Some(town.scope()),
        NewEvent {
            kind: "comment.replied".into(),
            payload,
            idempotency_key: format!("comment-reply:{}:{}", parent.id, Uuid::now_v7()),
        },
    )
    .await
    .map_err(Problem::internal)?;
    Ok(())
}

/// Comments on an open consultation.
#[utoipa::path(post, path = "/api/v1/consultations/{id}/comments", tag = "comments", request_body = CommentBody,
    responses((status = 201, body = CommentDto), (status = 400, description = "validation_failed"), (status = 403, description = "email_unverified"),
        (status = 404), (status = 409, description = "consultation_not_open")))]
pub async fn post_on_consultation(
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<CommentBody>,
) -> Result<HttpResponse, Problem> {
    let c = visible(&state, &town, Viewer::Member, id.into_inner()).await?;
    require_open(&c)?;
    post(&state, &town, &principal, Thread { consultation: c.id, proposal: None }, body.into_inner()).await
}

/// Comments on a proposal of an open idea box.
#[utoipa::path(post, path = "/api/v1/proposals/{id}/comments", tag = "comments", request_body = CommentBody,
    responses((status = 201, body = CommentDto), (status = 400, description = "validation_failed"), (status = 403, description = "email_unverified"),
        (status = 404), (status = 409, description = "consultation_not_open")))]
pub async fn post_on_proposal(
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<CommentBody>,
) -> Result<HttpResponse, Problem> {
    let (thread, open) = proposal_thread(&state, &town, Viewer::Member, id.into_inner()).await?;
    if !open {
        return Err(Problem::new(StatusCode::CONFLICT, "consultation_not_open"));
    }
    post(&state, &town, &principal, thread, body.into_inner()).await
}

/// One page of a thread.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PageParams {
    /// 1 to 100 top-level comments, default 20; each comes with all its replies.
    limit: Option<u64>,
    offset: Option<u64>,
}

async fn list(
    state: &AppState,
    town: &Town,
    staff: bool,
    thread: Thread,
    params: &PageParams,
) -> Result<HttpResponse, Problem> {
    let page = Page::parse(params.limit, params.offset)?;
    Ok(HttpResponse::Ok().json(threads_of(state, town, staff, thread, page).await?))
}

/// A page of `thread`'s comments, which the caller may see, newest first,
/// each with its replies, as the API gives them.
pub(crate) async fn threads_of(
    state: &AppState,
    town: &Town,
    staff: bool,
    thread: Thread,
    page: Page,
) -> Result<Vec<CommentDto>, Problem> {
    let rows = comments::page(&state.db, town.scope(), thread, page.limit, page.offset)
        .await
        .map_err(Problem::internal)?;
    let authors =
        rows.iter().flat_map(|(c, replies, _)| std::iter::once(c).chain(replies)).map(|c| c.author_id);
    let names = crate::store::names(&state.db, town.scope(), authors.collect::<Vec<_>>())
        .await
        .map_err(Problem::internal)?;
    let dtos: Vec<CommentDto> = rows
        .into_iter()
        .map(|(c, replies, count)| {
            let mut top = dto(c, &names, staff);
            top.replies = Some(replies.into_iter().map(|r| dto(r, &names, staff)).collect());
            top.reply_count = Some(count);
            top
        })
        .collect();
    Ok(dtos)
}

/// A consultation's comments, newest first, each with its replies.
#[utoipa::path(get, path = "/api/v1/consultations/{id}/comments", tag = "comments", params(PageParams),
    responses((status = 200, body = [CommentDto]), (status = 400, description = "validation_failed"), (status = 404)))]
pub async fn list_on_consultation(
    town: Town,
    principal: Option<Principal>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, Problem> {
    let viewer = Viewer::of(&principal);
    let (thread, _) = consultation_thread(&state, &town, viewer, id.into_inner()).await?;
    list(&state, &town, viewer.is_staff(), thread, &params).await
}

/// A proposal's comments, newest first, each with its replies.
#[utoipa::path(get, path = "/api/v1/proposals/{id}/comments", tag = "comments", params(PageParams),
    responses((status = 200, body = [CommentDto]), (status = 400, description = "validation_failed"), (status = 404)))]
pub async fn list_on_proposal(
    town: Town,
    principal: Option<Principal>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, Problem> {
    let viewer = Viewer::of(&principal);
    let (thread, _) = proposal_thread(&state, &town, viewer, id.into_inner()).await?;
    list(&state, &town, viewer.is_staff(), thread, &params).await
}

/// Corrects one's own comment within 15 minutes of posting it.
#[utoipa::path(patch, path = "/api/v1/comments/{id}", tag = "comments", request_body = EditBody,
    responses((status = 200, body = CommentDto), (status = 400, description = "validation_failed"), (status = 403, description = "forbidden"),
        (status = 404), (status = 409, description = "conflict: edit window over, or hidden")))]
pub async fn edit(
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<EditBody>,
) -> Result<HttpResponse, Problem> {
    let author = verified(&state, &town, &principal).await?;
    let c = comments::get(&state.db, town.scope(), id.into_inner())
        .await
        .map_err(Problem::internal)?
        .ok_or_else(Problem::not_found)?;
    if c.author_id != author.id {
        return Err(Problem::new(StatusCode::FORBIDDEN, "forbidden"));
    }
    // Once the consultation has closed, what was said stays as it was.
    let consultation = visible(&state, &town, Viewer::Member, c.consultation_id).await?;
    require_open(&consultation)?;
    if c.hidden_at.is_some() || !editable(c.created_at, Utc::now()) {
        return Err(conflict(
            "Un commentaire se corrige dans les 15 minutes, s’il n’est pas masqué.",
            "A comment may be corrected within 15 minutes, unless it is hidden.",
        ));
    }
    let text = CommentText::parse(&body.body).map_err(Problem::validation)?;
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    let edited = comments::edit(&txn, town.scope(), c.id, &text)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| conflict("Ce commentaire a été masqué.", "This comment has been hidden."))?;
    txn.commit().await.map_err(Problem::internal)?;
    Ok(HttpResponse::Ok().json(dto(edited, &[(author.id, author.display_name)], false)))
}

/// Reports a comment to the moderators; reporting it again changes nothing.
#[utoipa::path(post, path = "/api/v1/comments/{id}/report", tag = "comments", request_body = ReportBody,
    responses((status = 202, description = "{reported: true}"), (status = 400, description = "validation_failed"), (status = 403, description = "email_unverified"), (status = 404)))]
pub async fn report(
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<ReportBody>,
) -> Result<HttpResponse, Problem> {
    let reporter = verified(&state, &town, &principal).await?;
    let reason = parse_reason(&body.reason).map_err(Problem::validation)?;
    let c = comments::get(&state.db, town.scope(), id.into_inner())
        .await
        .map_err(Problem::internal)?
        .ok_or_else(Problem::not_found)?;
    visible(&state, &town, Viewer::Member, c.consultation_id).await?;
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    comments::report(&txn, town.scope(), c.id, reporter.id, &reason).await.map_err(Problem::internal)?;
    txn.commit().await.map_err(Problem::internal)?;
    Ok(HttpResponse::Accepted().json(json!({ "reported": true })))
}
