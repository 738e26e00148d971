//! Town admins create, edit, publish, close and archive consultations.
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use chrono::{DateTime, Utc};
use common::{
    AppState, Problem, Town,
    audit::{self, Actor, AuditEntry},
    auth::Principal,
    i18n::Text,
    outbox::{self, NewEvent},
};
use sea_orm::DatabaseTransaction;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::{
    domain::{
        consultation::{DraftFields, RawFields},
        status::Move,
    },
    routes::dto::ConsultationDto,
    store::consultations,
};

/// Registers the admin routes (town host).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/consultations", web::post().to(create));
}

/// Registers the routes on one consultation, inside its scope.
pub fn on_consultation(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::patch().to(edit))
        .route("/publish", web::post().to(publish))
        .route("/close", web::post().to(close))
        .route("/archive", web::post().to(archive));
}

/// A consultation's fields; an edit sends them all again.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ConsultationBody {
    title: String,
    #[serde(default)]
    summary: String,
    /// Markdown; rendered to sanitised HTML.
    #[serde(default)]
    body: String,
    /// `questionnaire`, `proposals` or `budget`.
    kind: String,
    /// `public` (default) or `registered`.
    audience: Option<String>,
    opens_at: Option<DateTime<Utc>>,
    closes_at: Option<DateTime<Utc>>,
    /// The envelope of a budget, in cents.
    budget_cents: Option<i64>,
    /// Idea boxes: the categories a proposal may be filed under.
    #[serde(default)]
    categories: Vec<String>,
}

impl ConsultationBody {
    fn fields(&self) -> Result<DraftFields, Problem> {
        DraftFields::parse(RawFields {
            kind: &self.kind,
            title: &self.title,
            summary: &self.summary,
            body: &self.body,
            audience: self.audience.as_deref(),
            opens_at: self.opens_at,
            closes_at: self.closes_at,
            budget_cents: self.budget_cents,
            categories: &self.categories,
        })
        .map_err(Problem::validation)
    }
}

/// 409 `conflict`: the consultation's status does not allow this.
fn wrong_status() -> Problem {
    Problem::new(StatusCode::CONFLICT, "conflict").with_detail(Text::fixed(
        "La consultation n’est pas dans un état qui permet cette action.",
        "The consultation is not in a state that allows this action.",
    ))
}

async fn audited(
    txn: &DatabaseTransaction,
    req: &HttpRequest,
    principal: &Principal,
    town: &Town,
    action: &str,
    id: Uuid,
) -> Result<(), Problem> {
    let entry = AuditEntry {
        action,
        tenant_id: Some(town.id),
        target_type: "consultation",
        target_id: Some(id.to_string()),
        details: None,
    };
    audit::record(txn, &Actor::of(req, principal, &principal.user_id.to_string()), entry)
        .await
        .map_err(Problem::internal)
}

/// Creates a draft.
#[utoipa::path(post, path = "/api/v1/consultations", tag = "consultations", request_body = ConsultationBody,
    responses((status = 201, body = ConsultationDto), (status = 400, description = "validation_failed"), (status = 403, description = "forbidden")))]
pub async fn create(
    req: HttpRequest,
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    body: web::Json<ConsultationBody>,
) -> Result<HttpResponse, Problem> {
    principal.require_admin()?;
    let fields = body.fields()?;
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    let created = consultations::create(&txn, town.scope(), &fields, principal.user_id)
        .await
        .map_err(Problem::internal)?;
    audited(&txn, &req, &principal, &town, "consultation.create", created.id).await?;
    txn.commit().await.map_err(Problem::internal)?;
    Ok(HttpResponse::Created().json(ConsultationDto::of(created, true, Utc::now())))
}

/// Replaces a draft's fields; 409 once published.
#[utoipa::path(patch, path = "/api/v1/consultations/{id}", tag = "consultations", request_body = ConsultationBody,
    responses((status = 200, body = ConsultationDto), (status = 404), (status = 409, description = "conflict")))]
pub async fn edit(
    req: HttpRequest,
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<ConsultationBody>,
) -> Result<HttpResponse, Problem> {
    principal.require_admin()?;
    let fields = body.fields()?;
    let id = id.into_inner();
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    let Some(updated) =
        consultations::update_draft(&txn, town.scope(), id, &fields).await.map_err(Problem::internal)?
    else {
        return Err(match consultations::get(&txn, town.scope(), id).await.map_err(Problem::internal)? {
            Some(_) => wrong_status(),
            None => Problem::not_found(),
        });
    };
    audited(&txn, &req, &principal, &town, "consultation.edit", id).await?;
    txn.commit().await.map_err(Problem::internal)?;
    Ok(HttpResponse::Ok().json(ConsultationDto::of(updated, true, Utc::now())))
}

async fn apply(
    req: HttpRequest,
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    id: Uuid,
    mv: Move,
) -> Result<HttpResponse, Problem> {
    principal.require_admin()?;
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    let Some(moved) =
        consultations::apply(&txn, town.scope(), id, mv, Utc::now()).await.map_err(Problem::internal)?
    else {
        return Err(match consultations::get(&txn, town.scope(), id).await.map_err(Problem::internal)? {
            Some(_) => wrong_status(),
            None => Problem::not_found(),
        });
    };
    let action = format!("consultation.{}", mv.to());
    if mv == Move::Publish {
        // The town's subscribers and the citizens who want it now hear of it;
        // the worker lists them from the database, batch by batch.
        let link = format!(
            "{}://{}/consultations/{id}",
            state.config.public_url_scheme.as_str(),
            req.connection_info().host().to_ascii_lowercase()
        );
        let when = match (moved.opens_at, moved.closes_at) {
            (Some(o), _) if o > Utc::now() => {
                format!("\n\nElle ouvre le {}.", o.format("%d/%m/%Y à %H:%M (UTC)"))
            }
            (_, Some(c)) => {
                format!("\n\nVous pouvez participer jusqu’au {}.", c.format("%d/%m/%Y à %H:%M (UTC)"))
            }
            _ => String::new(),
        };
        let body = format!(
            "La commune de {} ouvre une consultation : « {} ».\n\n{}{when}\n\nPour la découvrir et participer : {link}",
            town.name, moved.title, moved.summary
        );
        let payload = json!({
            "consultation_id": id, "title": moved.title, "opens_at": moved.opens_at,
            "topic": "new_consultations",
            "audience": { "everyone": true },
            "mail": { "template": "notice", "params": {
                "subject": format!("Nouvelle consultation : {}", moved.title), "body": body,
            }},
        });
        let event = NewEvent {
            kind: "consultation.published".into(),
            payload,
            idempotency_key: format!("publish:{id}"),
        };
        outbox::record(&txn, Some(town.scope()), event).await.map_err(Problem::internal)?;
    }
    audited(&txn, &req, &principal, &town, &action, id).await?;
    txn.commit().await.map_err(Problem::internal)?;
    Ok(HttpResponse::Ok().json(ConsultationDto::of(moved, true, Utc::now())))
}

/// Publishes a draft: open now, or at `opens_at`.
#[utoipa::path(post, path = "/api/v1/consultations/{id}/publish", tag = "consultations",
    responses((status = 200, body = ConsultationDto), (status = 404), (status = 409, description = "conflict")))]
pub async fn publish(
    req: HttpRequest,
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    apply(req, town, principal, state, id.into_inner(), Move::Publish).await
}

/// Closes a published consultation now.
#[utoipa::path(post, path = "/api/v1/consultations/{id}/close", tag = "consultations",
    responses((status = 200, body = ConsultationDto), (status = 404), (status = 409, description = "conflict")))]
pub async fn close(
    req: HttpRequest,
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    apply(req, town, principal, state, id.into_inner(), Move::Close).await
}

/// Archives a closed consultation.
#[utoipa::path(post, path = "/api/v1/consultations/{id}/archive", tag = "consultations",
    responses((status = 200, body = ConsultationDto), (status = 404), (status = 409, description = "conflict")))]
pub async fn archive(
    req: HttpRequest,
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    apply(req, town, principal, state, id.into_inner(), Move::Archive).await
}
