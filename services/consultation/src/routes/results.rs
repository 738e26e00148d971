//! Results: aggregates anyone may read once a consultation is closed (staff
//! always), the results text an admin publishes, and the open-data file.
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use chrono::{DateTime, Utc};
use common::{
    AppState, Problem, Town,
    audit::{self, Actor, AuditEntry},
    auth::Principal,
    i18n::Text,
    outbox::{self, NewEvent},
    problem::FieldError,
};
use entity::consultation;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::{
    domain::{
        results::{AskedFor, QuestionResult, aggregate},
        status::phase,
    },
    routes::{
        access::{Viewer, conflict, results_visible, visible},
        budget::{ProjectDto, ranked},
    },
    store::{budgets, proposals, proposals::Sort, questionnaires, results},
};

/// Registers the results routes on one consultation, inside its scope (town host).
pub fn on_consultation(cfg: &mut web::ServiceConfig) {
    cfg.route("/results", web::get().to(get))
        .route("/results", web::post().to(publish))
        .route("/open-data.json", web::get().to(open_data));
}

/// Proposals most supported first.
const TOP_PROPOSALS: u64 = 100;

/// The text the town publishes when a consultation ends.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResultsText {
    html: String,
    published_at: Option<DateTime<Utc>>,
}

/// One proposal's outcome.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProposalResult {
    id: Uuid,
    title: String,
    category: Option<String>,
    status: String,
    supports: i32,
}

/// An idea box's outcome.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IdeaBoxResults {
    proposals: i64,
    supports: i64,
    /// The 100 most supported.
    top: Vec<ProposalResult>,
}

/// A budget's outcome.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BudgetResults {
    envelope_cents: i64,
    ballots: u64,
    projects: Vec<ProjectDto>,
}

/// A consultation's results.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResultsDto {
    consultation_id: Uuid,
    kind: String,
    phase: &'static str,
    participants: u64,
    comments: u64,
    results_text: Option<ResultsText>,
    #[serde(skip_serializing_if = "Option::is_none")]
    questions: Option<Vec<QuestionResult>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    idea_box: Option<IdeaBoxResults>,
    #[serde(skip_serializing_if = "Option::is_none")]
    budget: Option<BudgetResults>,
}

/// Computes the results; free-text answers only `with_texts`. A bounded number
/// of queries whatever the number of questions, proposals or projects.
async fn build(
    state: &AppState,
    town: &Town,
    c: consultation::Model,
    with_texts: bool,
) -> Result<ResultsDto, Problem> {
    let db = &state.db;
    let scope = town.scope();
    let participants = results::participants(db, scope, c.id).await.map_err(Problem::internal)?;
    let comments = results::comment_count(db, scope, c.id).await.map_err(Problem::internal)?;
    let mut dto = ResultsDto {
        consultation_id: c.id,
        kind: c.kind.clone(),
        phase: phase(&c.status, c.opens_at, c.closes_at, Utc::now()),
        participants,
        comments,
        results_text: c
            .results_html
            .clone()
            .map(|html| ResultsText { html, published_at: c.results_published_at }),
        questions: None,
        idea_box: None,
        budget: None,
    };
    match c.kind.as_str() {
        "questionnaire" => {
            let asked = questionnaires::questions(db, scope, c.id).await.map_err(Problem::internal)?;
            let asked: Vec<AskedFor> = asked
                .into_iter()
                .map(|(q, options)| AskedFor {
                    id: q.id,
                    kind: q.kind,
                    label: q.label,
                    options: options.into_iter().map(|o| (o.id, o.label)).collect(),
                })
                .collect();
            let ids: Vec<Uuid> = asked.iter().map(|q| q.id).collect();
            let tallies = results::tallies(db, scope, &ids).await.map_err(Problem::internal)?;
            let mut questions = aggregate(&asked, &tallies);
            if with_texts {
                let texts = results::texts(db, scope, &ids).await.map_err(Problem::internal)?;
                for q in questions.iter_mut().filter(|q| q.kind == "text") {
                    q.texts =
                        Some(texts.iter().filter(|(id, _)| *id == q.id).map(|(_, t)| t.clone()).collect());
                }
            }
            dto.questions = Some(questions);
        }
        "proposals" => {
            let (count, supports) =
                results::proposal_totals(db, scope, c.id).await.map_err(Problem::internal)?;
            let top = proposals::page(db, scope, c.id, None, Sort::Supports, TOP_PROPOSALS, 0)
                .await
                .map_err(Problem::internal)?
                .into_iter()
                .map(|(p, _)| ProposalResult {
                    id: p.id,
                    title: p.title,
                    category: p.category,
                    status: p.status,
                    supports: p.support_count,
                })
                .collect();
            dto.idea_box = Some(IdeaBoxResults { proposals: count, supports, top });
        }
        _ => {
            let envelope = c.budget_cents.unwrap_or(0);
            let projects = budgets::projects(db, scope, c.id).await.map_err(Problem::internal)?;
            let ballots = results::ballot_count(db, scope, c.id).await.map_err(Problem::internal)?;
            dto.budget = Some(BudgetResults {
                envelope_cents: envelope,
                ballots,
                projects: ranked(projects, envelope),
            });
        }
    }
    Ok(dto)
}

/// The consultation if the caller may read its results (and whether they are
/// staff): 404 if unknown or a draft to the public, 403 before it closes.
async fn readable(
    state: &AppState,
    town: &Town,
    principal: &Option<Principal>,
    id: Uuid,
) -> Result<(consultation::Model, bool), Problem> {
    let viewer = Viewer::of(principal);
    let staff = viewer.is_staff();
    let c = visible(state, town, viewer, id).await?;
    if !results_visible(&c, staff) {
        return Err(Problem::new(StatusCode::FORBIDDEN, "forbidden").with_detail(Text::fixed(
            "Les résultats seront publics à la clôture de la consultation.",
            "Results become public when the consultation closes.",
        )));
    }
    Ok((c, staff))
}

/// The results: anyone once closed, staff at any time (with free-text answers).
#[utoipa::path(get, path = "/api/v1/consultations/{id}/results", tag = "results",
    responses((status = 200, body = ResultsDto), (status = 403, description = "forbidden: not closed yet"), (status = 404)))]
pub async fn get(
    town: Town,
    principal: Option<Principal>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let (c, staff) = readable(&state, &town, &principal, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(build(&state, &town, c, staff).await?))
}

/// The aggregates without any personal data, under the Licence Ouverte 2.0.
#[utoipa::path(get, path = "/api/v1/consultations/{id}/open-data.json", tag = "results",
    responses((status = 200, description = "aggregates and licence"), (status = 403, description = "forbidden: not closed yet"), (status = 404)))]
pub async fn open_data(
    town: Town,
    principal: Option<Principal>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let (c, _) = readable(&state, &town, &principal, id.into_inner()).await?;
    let (title, summary, opens_at, closes_at) =
        (c.title.clone(), c.summary.clone(), c.opens_at, c.closed_at.or(c.closes_at));
    let results = build(&state, &town, c, false).await?;
    let doc = json!({
        "licence": "Licence Ouverte / Open Licence 2.0 (Etalab)",
        "generated_at": Utc::now(),
        "town": { "slug": town.slug, "name": town.name },
        "consultation": { "title": title, "summary": summary, "opens_at": opens_at, "closed_at": closes_at },
        "results": results,
    });
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Disposition", "attachment; filename=\"resultats.json\""))
        .json(doc))
}

/// The results text.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ResultsBody {
    /// Markdown: what we heard, what we will do.
    body: String,
}

/// Publishes (or corrects) the results text of a closed consultation; the
/// first publication tells every participant by mail.
#[utoipa::path(post, path = "/api/v1/consultations/{id}/results", tag = "results", request_body = ResultsBody,
    responses((status = 200, body = ResultsText), (status = 400, description = "validation_failed"), (status = 403, description = "forbidden"),
        (status = 404), (status = 409, description = "conflict: not closed")))]
pub async fn publish(
    req: HttpRequest,
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<ResultsBody>,
) -> Result<HttpResponse, Problem> {
    principal.require_admin()?;
    let text = body.body.trim();
    if text.is_empty()
        || text.chars().count() > 50_000
        || text.chars().any(|c| c.is_control() && !"\n\r\t".contains(c))
    {
        return Err(Problem::validation(vec![FieldError::new(
            "body",
            Text::fixed("De 1 à 50 000 caractères.", "1 to 50,000 characters."),
        )]));
    }
    let c = visible(&state, &town, Viewer::Staff, id.into_inner()).await?;
    if !matches!(phase(&c.status, c.opens_at, c.closes_at, Utc::now()), "closed" | "archived") {
        return Err(conflict(
            "Les résultats se publient une fois la consultation close.",
            "Results are published once the consultation is closed.",
        ));
    }
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    let (updated, first) = results::publish_text(&txn, town.scope(), c.id, text)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(Problem::not_found)?;
    if first {
        // Everyone who took part hears of it, as their preferences say; the
        // worker lists them from the database, batch by batch.
        let body = format!(
            "Bonjour,\n\nVous avez participé à « {} ». La commune de {} en publie les résultats :\n\n{}",
            updated.title, town.name, text
        );
        let payload = json!({
            "recipients": [],
            "topic": "results",
            "audience": { "everyone": true, "participants_of": c.id },
            "mail": { "template": "notice", "params": { "subject": format!("Résultats : {}", updated.title), "body": body } },
        });
        let event = NewEvent {
            kind: "consultation.results_published".into(),
            payload,
            idempotency_key: format!("results:{}", c.id),
        };
        outbox::record(&txn, Some(town.scope()), event).await.map_err(Problem::internal)?;
    }
    let actor = Actor::of(&req, &principal, &principal.user_id.to_string());
    let entry = AuditEntry {
        action: "consultation.results",
        tenant_id: Some(town.id),
        target_type: "consultation",
        target_id: Some(c.id.to_string()),
        details: Some(json!({ "first": first })),
    };
    audit::record(&txn, &actor, entry).await.map_err(Problem::internal)?;
    txn.commit().await.map_err(Problem::internal)?;
    Ok(HttpResponse::Ok().json(ResultsText {
        html: updated.results_html.unwrap_or_default(),
        published_at: updated.results_published_at,
    }))
}
