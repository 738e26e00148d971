//! Reading consultations: anyone sees published ones, staff see drafts too.
use actix_web::{HttpResponse, web};
use chrono::Utc;
use common::{AppState, Problem, Town, auth::Principal, i18n::Text, paging::Page, problem::FieldError};
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    routes::{
        access::{Viewer, visible},
        dto::ConsultationDto,
    },
    store::{consultations, consultations::Listing},
};

/// Registers the reading routes (town host).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/consultations", web::get().to(list));
}

/// Registers the routes on one consultation, inside its scope.
pub fn on_consultation(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(get));
}

/// Which consultations, and which page.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListParams {
    /// `open` (published, the default), `closed`, `archived` or `draft` (staff only).
    status: Option<String>,
    /// 1 to 100, default 20.
    limit: Option<u64>,
    offset: Option<u64>,
}

/// The town's consultations, newest first.
#[utoipa::path(get, path = "/api/v1/consultations", tag = "consultations", params(ListParams),
    responses((status = 200, body = [ConsultationDto]), (status = 400, description = "validation_failed")))]
pub async fn list(
    town: Town,
    principal: Option<Principal>,
    state: web::Data<AppState>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, Problem> {
    let viewer = Viewer::of(&principal);
    let staff = viewer.is_staff();
    let listing = match params.status.as_deref() {
        None | Some("open") => Listing::Open,
        Some("closed") => Listing::Closed,
        Some("archived") => Listing::Archived,
        Some("draft") if staff => Listing::Draft,
        // Drafts do not exist for the public: an empty page, not a hint.
        Some("draft") => Listing::Nothing,
        Some(_) => {
            return Err(Problem::validation(vec![FieldError::new(
                "status",
                Text::fixed("open, closed, archived ou draft.", "open, closed, archived or draft."),
            )]));
        }
    };
    let page = Page::parse(params.limit, params.offset)?;
    let rows = consultations::list(
        &state.db,
        town.scope(),
        listing,
        viewer == Viewer::Anonymous,
        page.limit,
        page.offset,
    )
    .await
    .map_err(Problem::internal)?;
    let now = Utc::now();
    Ok(HttpResponse::Ok()
        .json(rows.into_iter().map(|c| ConsultationDto::of(c, staff, now)).collect::<Vec<_>>()))
}

/// One consultation; a draft is a 404 for anyone but staff.
#[utoipa::path(get, path = "/api/v1/consultations/{id}", tag = "consultations",
    responses((status = 200, body = ConsultationDto), (status = 404, description = "not_found")))]
pub async fn get(
    town: Town,
    principal: Option<Principal>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let viewer = Viewer::of(&principal);
    let c = visible(&state, &town, viewer, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(ConsultationDto::of(c, viewer.is_staff(), Utc::now())))
}
