//! Participatory budgets: admins add projects, citizens cast one ballot.
use actix_web::{HttpResponse, http::StatusCode, web};
use common::{AppState, Problem, Town, auth::Principal, i18n::Text};
use entity::{consultation, project};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    domain::{
        budget::{BadBallot, NewProject, check_ballot, funded_in_rank_order},
        consultation::Kind,
        status::DRAFT,
    },
    routes::{
        access::{Viewer, conflict, open_for, require_kind, results_visible, visible},
        citizen::verified,
    },
    store::budgets,
};

/// Registers the budget routes on one consultation, inside its scope (town host).
pub fn on_consultation(cfg: &mut web::ServiceConfig) {
    cfg.route("/projects", web::post().to(add))
        .route("/projects", web::get().to(list))
        .route("/ballot", web::post().to(vote));
}

/// A project to add.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ProjectBody {
    title: String,
    #[serde(default)]
    description: String,
    cost_cents: i64,
}

/// A project; votes, rank and funding once the budget is closed (staff: always).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProjectDto {
    id: Uuid,
    title: String,
    description: String,
    cost_cents: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    votes: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rank: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    funded: Option<bool>,
}

async fn budget_of(
    state: &AppState,
    town: &Town,
    viewer: Viewer,
    id: Uuid,
) -> Result<consultation::Model, Problem> {
    let c = visible(state, town, viewer, id).await?;
    require_kind(&c, Kind::Budget)?;
    Ok(c)
}

/// Adds a project to a draft budget.
#[utoipa::path(post, path = "/api/v1/consultations/{id}/projects", tag = "budgets", request_body = ProjectBody,
    responses((status = 201, body = ProjectDto), (status = 400, description = "validation_failed"), (status = 409, description = "conflict")))]
pub async fn add(
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<ProjectBody>,
) -> Result<HttpResponse, Problem> {
    principal.require_admin()?;
    let c = budget_of(&state, &town, Viewer::Staff, id.into_inner()).await?;
    if c.status != DRAFT {
        return Err(conflict(
            "Les projets se modifient tant que le budget est un brouillon.",
            "Projects change only while the budget is a draft.",
        ));
    }
    let p = NewProject::parse(&body.title, &body.description, body.cost_cents, c.budget_cents.unwrap_or(0))
        .map_err(Problem::validation)?;
    let stored = budgets::add_project(&state.db, town.scope(), c.id, &p).await.map_err(Problem::internal)?;
    Ok(HttpResponse::Created().json(ProjectDto {
        id: stored.id,
        title: stored.title,
        description: stored.description,
        cost_cents: stored.cost_cents,
        votes: Some(0),
        rank: None,
        funded: None,
    }))
}

/// The budget's projects; once it is closed (or for staff), ranked by votes
/// with those the envelope funds in rank order.
#[utoipa::path(get, path = "/api/v1/consultations/{id}/projects", tag = "budgets",
    responses((status = 200, body = [ProjectDto]), (status = 404)))]
pub async fn list(
    town: Town,
    principal: Option<Principal>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let viewer = Viewer::of(&principal);
    let staff = viewer.is_staff();
    let c = budget_of(&state, &town, viewer, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(projects_of(&state, &town, &c, staff).await?))
}

/// The projects of budget `c`, which the caller may see, as the API gives
/// them: with their votes and rank once results may be shown.
pub(crate) async fn projects_of(
    state: &AppState,
    town: &Town,
    c: &consultation::Model,
    staff: bool,
) -> Result<Vec<ProjectDto>, Problem> {
    let rows = budgets::projects(&state.db, town.scope(), c.id).await.map_err(Problem::internal)?;
    if !results_visible(c, staff) {
        let dto: Vec<ProjectDto> = rows
            .into_iter()
            .map(|p| ProjectDto {
                id: p.id,
                title: p.title,
                description: p.description,
                cost_cents: p.cost_cents,
                votes: None,
                rank: None,
                funded: None,
            })
            .collect();
        return Ok(dto);
    }
    Ok(ranked(rows, c.budget_cents.unwrap_or(0)))
}

/// The projects ranked by votes, marking those the envelope funds in rank order.
pub fn ranked(rows: Vec<project::Model>, envelope: i64) -> Vec<ProjectDto> {
    let ranking = funded_in_rank_order(
        &rows.iter().map(|p| (p.id, p.cost_cents, p.vote_count, p.position)).collect::<Vec<_>>(),
        envelope,
    );
    ranking
        .into_iter()
        .enumerate()
        .filter_map(|(i, (pid, funded))| {
            let p = rows.iter().find(|p| p.id == pid)?;
            Some(ProjectDto {
                id: p.id,
                title: p.title.clone(),
                description: p.description.clone(),
                cost_cents: p.cost_cents,
                votes: Some(p.vote_count),
                rank: Some(i + 1),
                funded: Some(funded),
            })
        })
        .collect()
}

/// A ballot: the chosen projects.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BallotBody {
    project_ids: Vec<Uuid>,
}

/// Casts a citizen's one ballot, within the envelope.
#[utoipa::path(post, path = "/api/v1/consultations/{id}/ballot", tag = "budgets", request_body = BallotBody,
    responses((status = 201), (status = 400, description = "validation_failed, over_budget"), (status = 403, description = "email_unverified"),
        (status = 409, description = "already_responded, consultation_not_open")))]
pub async fn vote(
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<BallotBody>,
) -> Result<HttpResponse, Problem> {
    verified(&state, &town, &principal).await?;
    let c = open_for(&state, &town, id.into_inner(), Some(Kind::Budget)).await?;
    let projects = budgets::projects(&state.db, town.scope(), c.id).await.map_err(Problem::internal)?;
    let costs: Vec<(Uuid, i64)> = projects.iter().map(|p| (p.id, p.cost_cents)).collect();
    let envelope = c.budget_cents.unwrap_or(0);
    check_ballot(&costs, &body.project_ids, envelope).map_err(|e| match e {
        BadBallot::Invalid(errors) => Problem::validation(errors),
        BadBallot::OverBudget { total, envelope } => Problem::new(StatusCode::BAD_REQUEST, "over_budget")
            .with_detail(Text::new(
                format!("Votre choix coûte {} €, l’enveloppe est de {} €.", total / 100, envelope / 100),
                format!("Your choice costs €{}, the envelope is €{}.", total / 100, envelope / 100),
            )),
    })?;
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    let stored = budgets::cast(&txn, town.scope(), c.id, principal.user_id, &body.project_ids).await?;
    txn.commit().await.map_err(Problem::internal)?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "id": stored })))
}
