//! A town asks for a space (platform host), and its contact confirms the address.
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Duration, Utc};
use common::{
    AppState, Problem,
    auth::one_time::{NewOneTime, Purpose, issue},
    i18n::Text,
    problem::FieldError,
    tenancy::PlatformHost,
};
use sea_orm::SqlErr;
use serde::Deserialize;
use serde_json::json;

use crate::{
    account_mail::{self, AccountMail},
    domain::{realm::Realm, signup::SignupRequest},
    limits,
    routes::account::{TokenBody, dead_link, lang_and_host},
    store::{self, towns},
};

const VERIFY_TTL: Duration = Duration::hours(48);

/// Registers the signup routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/signup", web::post().to(signup))
        .route("/api/v1/signup/verify", web::post().to(verify));
}

/// A town's request for a participation space.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SignupBody {
    insee_code: String,
    slug: String,
    contact_email: String,
    contact_name: String,
}

fn field(name: &str, fr: &'static str, en: &'static str) -> Problem {
    Problem::validation(vec![FieldError::new(name, Text::fixed(fr, en))])
}

fn slug_taken() -> Problem {
    field("slug", "Cette adresse est déjà prise.", "This address is already taken.")
}

fn commune_taken() -> Problem {
    field(
        "insee_code",
        "Cette commune a déjà un espace, ou une demande en cours.",
        "This commune already has a space, or a request under way.",
    )
}

/// Records a town's request and mails its contact a confirmation link.
#[utoipa::path(post, path = "/api/v1/signup", tag = "towns", request_body = SignupBody,
    responses((status = 201, description = "{id, status: pending_email}"), (status = 400, description = "validation_failed"),
        (status = 429, description = "rate_limited")))]
pub async fn signup(
    req: HttpRequest,
    _: PlatformHost,
    state: web::Data<AppState>,
    body: web::Json<SignupBody>,
) -> Result<HttpResponse, Problem> {
    limits::check(&req, &state, "signup", Realm::Platform, Some(&body.contact_email)).await?;
    let request = SignupRequest::parse(&body.insee_code, &body.slug, &body.contact_email, &body.contact_name)
        .map_err(Problem::validation)?;
    let Some(commune) =
        store::find_commune(&state.db, request.insee_code.as_ref()).await.map_err(Problem::internal)?
    else {
        return Err(field(
            "insee_code",
            "Aucune commune n’a ce code INSEE dans le code officiel géographique.",
            "No commune has this INSEE code in the official list.",
        ));
    };
    if towns::commune_taken(&state.db, request.insee_code.as_ref()).await.map_err(Problem::internal)? {
        return Err(commune_taken());
    }
    if towns::slug_taken(&state.db, &request.slug).await.map_err(Problem::internal)? {
        return Err(slug_taken());
    }
    let (lang, host) = lang_and_host(&req);
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    // The checks above give the precise message; the constraints settle a race.
    let town = towns::create_request(&txn, &request, &commune.name).await.map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(what)) if what.contains("slug") => slug_taken(),
        Some(SqlErr::UniqueConstraintViolation(_)) => commune_taken(),
        _ => Problem::internal(e),
    })?;
    let new = NewOneTime {
        tenant_id: Some(town.id),
        user_id: None,
        purpose: Purpose::SignupVerify,
        ttl: VERIFY_TTL,
        invitee: None,
    };
    let token = issue(&txn, &state.signing_key, new).await.map_err(Problem::internal)?;
    let mail = AccountMail { to: &town.contact_email, name: &town.contact_name, host: &host, lang };
    account_mail::record(&txn, Realm::Platform, mail, Purpose::SignupVerify, token)
        .await
        .map_err(Problem::internal)?;
    txn.commit().await.map_err(Problem::internal)?;
    Ok(HttpResponse::Created().json(json!({ "id": town.id, "status": town.status })))
}

/// Confirms the contact's address: the request now waits for review.
#[utoipa::path(post, path = "/api/v1/signup/verify", tag = "towns", request_body = TokenBody,
    responses((status = 200, description = "{id, status: pending_review}"), (status = 400, description = "validation_failed")))]
pub async fn verify(
    req: HttpRequest,
    _: PlatformHost,
    state: web::Data<AppState>,
    body: web::Json<TokenBody>,
) -> Result<HttpResponse, Problem> {
    limits::check(&req, &state, "signup_verify", Realm::Platform, None).await?;
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    let spent =
        store::tokens::consume_signup(&txn, body.token(), Utc::now()).await.map_err(Problem::internal)?;
    let Some(town_id) = spent.and_then(|t| t.tenant_id) else { return Err(dead_link()) };
    let town = towns::transition(&txn, town_id, &["pending_email"], "pending_review", |u| u)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(dead_link)?;
    txn.commit().await.map_err(Problem::internal)?;
    Ok(HttpResponse::Ok().json(json!({ "id": town.id, "status": town.status })))
}
