//! The idea box: citizens propose and support, staff answer.
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use common::{
    AppState, Problem, Town,
    auth::Principal,
    i18n::Text,
    outbox::{self, NewEvent},
    paging::Page,
    problem::FieldError,
};
use entity::{proposal, user};
use sea_orm::{ColumnTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::{
    domain::{
        consultation::Kind,
        proposal::{NewProposal, parse_answer},
    },
    routes::{
        access::{Viewer, open_for, visible},
        citizen::verified,
    },
    store::{consultations, proposals, proposals::Sort},
};

/// Registers the idea-box routes on one consultation, inside its scope (town host).
pub fn on_consultation(cfg: &mut web::ServiceConfig) {
    cfg.route("/proposals", web::post().to(submit)).route("/proposals", web::get().to(list));
}

/// Registers the routes on one proposal.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/proposals/{id}/support", web::put().to(support))
        .route("/api/v1/proposals/{id}/support", web::delete().to(withdraw))
        .route("/api/v1/proposals/{id}/answer", web::post().to(answer));
}

/// A citizen's proposal.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ProposalBody {
    title: String,
    body: String,
    /// One of the consultation's categories.
    category: Option<String>,
}

/// A proposal as anyone sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProposalDto {
    id: Uuid,
    title: String,
    body: String,
    category: Option<String>,
    author: Option<String>,
    status: String,
    answer: Option<String>,
    answered_at: Option<DateTime<Utc>>,
    supports: i32,
    created_at: DateTime<Utc>,
}

fn dto(p: proposal::Model, author: Option<String>) -> ProposalDto {
    ProposalDto {
        id: p.id,
        title: p.title,
        body: p.body,
        category: p.category,
        author,
        status: p.status,
        answer: p.answer,
        answered_at: p.answered_at,
        supports: p.support_count,
        created_at: p.created_at,
    }
}

/// Submits a proposal to an open idea box.
#[utoipa::path(post, path = "/api/v1/consultations/{id}/proposals", tag = "proposals", request_body = ProposalBody,
    responses((status = 201, body = ProposalDto), (status = 400, description = "validation_failed"), (status = 409, description = "consultation_not_open")))]
pub async fn submit(
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<ProposalBody>,
) -> Result<HttpResponse, Problem> {
    let author = verified(&state, &town, &principal).await?;
    let id = id.into_inner();
    let c = open_for(&state, &town, id, Some(Kind::Proposals)).await?;
    let new =
        NewProposal::parse(&body.title, &body.body, body.category.as_deref(), &consultations::categories(&c))
            .map_err(Problem::validation)?;
    let stored =
        proposals::submit(&state.db, town.scope(), id, author.id, &new).await.map_err(Problem::internal)?;
    Ok(HttpResponse::Created().json(dto(stored, Some(author.display_name))))
}

/// Sort and page.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListParams {
    /// `supports` (default) or `date`.
    sort: Option<String>,
    /// Only the proposals filed under this category.
    category: Option<String>,
    /// 1 to 100, default 20.
    limit: Option<u64>,
    offset: Option<u64>,
}

/// The proposals of an idea box anyone may see.
#[utoipa::path(get, path = "/api/v1/consultations/{id}/proposals", tag = "proposals", params(ListParams),
    responses((status = 200, body = [ProposalDto]), (status = 400, description = "validation_failed"), (status = 404)))]
pub async fn list(
    town: Town,
    principal: Option<Principal>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, Problem> {
    let id = id.into_inner();
    visible(&state, &town, Viewer::of(&principal), id).await?;
    let sort = match params.sort.as_deref() {
        None | Some("supports") => Sort::Supports,
        Some("date") => Sort::Newest,
        Some(_) => {
            return Err(Problem::validation(vec![FieldError::new(
                "sort",
                Text::fixed("supports ou date.", "supports or date."),
            )]));
        }
    };
    let page = Page::parse(params.limit, params.offset)?;
    Ok(HttpResponse::Ok()
        .json(proposals_of(&state, &town, id, params.category.as_deref(), sort, page).await?))
}

/// A page of the proposals of consultation `id`, which the caller may see, as
/// the API gives them.
pub(crate) async fn proposals_of(
    state: &AppState,
    town: &Town,
    id: Uuid,
    category: Option<&str>,
    sort: Sort,
    page: Page,
) -> Result<Vec<ProposalDto>, Problem> {
    let rows = proposals::page(&state.db, town.scope(), id, category, sort, page.limit, page.offset)
        .await
        .map_err(Problem::internal)?;
    Ok(rows.into_iter().map(|(p, a)| dto(p, a)).collect())
}

async fn set_support(
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    id: Uuid,
    on: bool,
) -> Result<HttpResponse, Problem> {
    verified(&state, &town, &principal).await?;
    let p = proposals::get(&state.db, town.scope(), id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(Problem::not_found)?;
    open_for(&state, &town, p.consultation_id, Some(Kind::Proposals)).await?;
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    if on {
        proposals::support(&txn, town.scope(), id, principal.user_id).await.map_err(Problem::internal)?;
    } else {
        proposals::withdraw(&txn, town.scope(), id, principal.user_id).await.map_err(Problem::internal)?;
    }
    txn.commit().await.map_err(Problem::internal)?;
    let now = proposals::get(&state.db, town.scope(), id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(Problem::not_found)?;
    let mine = proposals::supports(&state.db, town.scope(), id, principal.user_id)
        .await
        .map_err(Problem::internal)?;
    Ok(HttpResponse::Ok().json(json!({ "supports": now.support_count, "supported": mine })))
}

/// Supports a proposal; doing it again changes nothing.
#[utoipa::path(put, path = "/api/v1/proposals/{id}/support", tag = "proposals",
    responses((status = 200, description = "{supports, supported}"), (status = 404), (status = 409, description = "consultation_not_open")))]
pub async fn support(
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    set_support(town, principal, state, id.into_inner(), true).await
}

/// Withdraws a support; doing it again changes nothing.
#[utoipa::path(delete, path = "/api/v1/proposals/{id}/support", tag = "proposals",
    responses((status = 200, description = "{supports, supported}"), (status = 404), (status = 409, description = "consultation_not_open")))]
pub async fn withdraw(
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    set_support(town, principal, state, id.into_inner(), false).await
}

/// The staff's answer to a proposal.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AnswerBody {
    /// `under_review`, `accepted`, `rejected` or `implemented`.
    status: String,
    answer: String,
}

/// Answers a proposal; its author is told by mail.
#[utoipa::path(post, path = "/api/v1/proposals/{id}/answer", tag = "proposals", request_body = AnswerBody,
    responses((status = 200, body = ProposalDto), (status = 400, description = "validation_failed"), (status = 403), (status = 404)))]
pub async fn answer(
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<AnswerBody>,
) -> Result<HttpResponse, Problem> {
    principal.require_staff()?;
    let (status, text) = parse_answer(&body.status, &body.answer).map_err(Problem::validation)?;
    let id = id.into_inner();
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    let answered = proposals::answer(&txn, town.scope(), id, &status, &text)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(Problem::not_found)?;
    let author = town
        .scope()
        .find::<user::Entity>()
        .filter(user::Column::Id.eq(answered.author_id))
        .filter(user::Column::EmailVerifiedAt.is_not_null())
        .one(&txn)
        .await
        .map_err(Problem::internal)?;
    if let Some(author) = author {
        let body = format!(
            "Bonjour {},\n\nLa commune a répondu à votre proposition « {} » :\n\n{}",
            author.display_name, answered.title, text
        );
        let payload = json!({
            "recipients": [author.email],
            "topic": "proposal_answers",
            "mail": { "template": "notice", "params": { "subject": "Réponse à votre proposition", "body": body } },
        });
        let key = format!("proposal-answer:{id}:{}", Uuid::now_v7());
        outbox::record(
            &txn,
            Some(town.scope()),
            NewEvent { kind: "proposal.answered".into(), payload, idempotency_key: key },
        )
        .await
        .map_err(Problem::internal)?;
    }
    txn.commit().await.map_err(Problem::internal)?;
    Ok(HttpResponse::Ok().json(dto(answered, None)))
}
