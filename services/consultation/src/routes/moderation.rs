//! Moderators look at reported comments, hide them with a reason shown in
//! their place, or restore them; every decision goes to the audit log.
use actix_web::{HttpRequest, HttpResponse, web};
use common::{
    AppState, Problem, Town,
    audit::{self, Actor, AuditEntry},
    auth::Principal,
    i18n::Text,
    paging::Page,
    problem::FieldError,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::{
    domain::comment::parse_reason,
    routes::comments::{CommentDto, dto},
    store::comments::{self, Decision, Queue},
};

/// Registers the moderation routes (town host).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/comments/{id}/hide", web::post().to(hide))
        .route("/api/v1/comments/{id}/restore", web::post().to(restore))
        .route("/api/v1/admin/comments", web::get().to(queue));
}

/// Why a comment is hidden; shown in its place.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct HideBody {
    reason: String,
}

/// Why a comment is restored or kept; goes to the audit log.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct RestoreBody {
    reason: Option<String>,
}

async fn decide(
    req: &HttpRequest,
    town: &Town,
    principal: &Principal,
    state: &AppState,
    id: Uuid,
    decision: Decision,
    reason: Option<String>,
) -> Result<HttpResponse, Problem> {
    principal.require_staff()?;
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    let decided = comments::moderate(&txn, town.scope(), id, principal.user_id, &decision)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(Problem::not_found)?;
    let actor = Actor::of(req, principal, &principal.user_id.to_string());
    let action = match decision {
        Decision::Hide { .. } => "comment.hide",
        Decision::Restore => "comment.restore",
    };
    let entry = AuditEntry {
        action,
        tenant_id: Some(town.id),
        target_type: "comment",
        target_id: Some(id.to_string()),
        details: Some(json!({ "reason": reason })),
    };
    audit::record(&txn, &actor, entry).await.map_err(Problem::internal)?;
    txn.commit().await.map_err(Problem::internal)?;
    let names =
        crate::store::names(&state.db, town.scope(), [decided.author_id]).await.map_err(Problem::internal)?;
    Ok(HttpResponse::Ok().json(dto(decided, &names, true)))
}

/// Hides a comment; the reason is shown in its place (moderators and admins).
#[utoipa::path(post, path = "/api/v1/comments/{id}/hide", tag = "moderation", request_body = HideBody,
    responses((status = 200, body = CommentDto), (status = 400, description = "validation_failed"), (status = 403, description = "forbidden"), (status = 404)))]
pub async fn hide(
    req: HttpRequest,
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<HideBody>,
) -> Result<HttpResponse, Problem> {
    principal.require_staff()?;
    let reason = parse_reason(&body.reason).map_err(Problem::validation)?;
    let decision = Decision::Hide { reason: reason.clone() };
    decide(&req, &town, &principal, &state, id.into_inner(), decision, Some(reason)).await
}

/// Shows a hidden comment again, or keeps a reported one; its open reports are dismissed.
#[utoipa::path(post, path = "/api/v1/comments/{id}/restore", tag = "moderation", request_body = RestoreBody,
    responses((status = 200, body = CommentDto), (status = 400, description = "validation_failed"), (status = 403, description = "forbidden"), (status = 404)))]
pub async fn restore(
    req: HttpRequest,
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Option<web::Json<RestoreBody>>,
) -> Result<HttpResponse, Problem> {
    principal.require_staff()?;
    let reason = match body.and_then(|b| b.into_inner().reason) {
        Some(r) => Some(parse_reason(&r).map_err(Problem::validation)?),
        None => None,
    };
    decide(&req, &town, &principal, &state, id.into_inner(), Decision::Restore, reason).await
}

/// Which queue, and which page.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct QueueParams {
    /// `reported` (default) or `hidden`.
    status: Option<String>,
    /// 1 to 100, default 20.
    limit: Option<u64>,
    offset: Option<u64>,
}

/// A comment waiting for a moderator, with the reasons citizens gave.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QueuedComment {
    #[serde(flatten)]
    comment: CommentDto,
    consultation_id: Uuid,
    /// The text as written, even when hidden.
    body_markdown: String,
    report_reasons: Vec<String>,
}

/// The moderation queue: reported comments, most reported first, or hidden ones.
#[utoipa::path(get, path = "/api/v1/admin/comments", tag = "moderation", params(QueueParams),
    responses((status = 200, body = [QueuedComment]), (status = 400, description = "validation_failed"), (status = 403, description = "forbidden")))]
pub async fn queue(
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    params: web::Query<QueueParams>,
) -> Result<HttpResponse, Problem> {
    principal.require_staff()?;
    let which = match params.status.as_deref() {
        None | Some("reported") => Queue::Reported,
        Some("hidden") => Queue::Hidden,
        Some(_) => {
            return Err(Problem::validation(vec![FieldError::new(
                "status",
                Text::fixed("reported ou hidden.", "reported or hidden."),
            )]));
        }
    };
    let page = Page::parse(params.limit, params.offset)?;
    let rows = comments::queue(&state.db, town.scope(), which, page.limit, page.offset)
        .await
        .map_err(Problem::internal)?;
    let names = crate::store::names(
        &state.db,
        town.scope(),
        rows.iter().map(|(c, _)| c.author_id).collect::<Vec<_>>(),
    )
    .await
    .map_err(Problem::internal)?;
    let queued: Vec<QueuedComment> = rows
        .into_iter()
        .map(|(c, reasons)| QueuedComment {
            consultation_id: c.consultation_id,
            body_markdown: c.body_markdown.clone(),
            comment: dto(c, &names, true),
            report_reasons: reasons,
        })
        .collect();
    Ok(HttpResponse::Ok().json(queued))
}
