//! Subscribing by e-mail without an account: a request, then the mailed link
//! confirms it (double opt-in). Nothing is sent to an unconfirmed address.
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Duration, Utc};
use common::{
    AppState, Problem, Town,
    auth::one_time::{Purpose, token_for, token_hash},
    domain::Email,
    i18n::{Lang, Text},
    outbox::{self, NewEvent},
    problem::FieldError,
};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::store::subscriptions::{self, Consent, Requested};

/// Registers the subscription routes (town host).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/subscriptions", web::post().to(subscribe))
        .route("/api/v1/subscriptions/confirm", web::post().to(confirm));
}

/// How long the confirmation link stays good; unconfirmed requests lapse with it.
const CONFIRM_TTL: Duration = Duration::hours(48);

/// The words a person agrees to, recorded with their consent.
pub const CONSENT_WORDING: &str = "J’accepte de recevoir par e-mail l’annonce des nouvelles consultations \
et les annonces de la commune. Je peux me désabonner à tout moment par le lien présent dans chaque message.";

/// A request to hear of new consultations.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SubscribeBody {
    email: String,
    /// The page the form was on (a path of this site), kept with the consent.
    page: Option<String>,
}

/// The token of the confirmation link.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ConfirmBody {
    token: String,
}

fn checked(body: &SubscribeBody) -> Result<(Email, String), Problem> {
    let mut errors = Vec::new();
    let email = Email::parse(&body.email).map_err(|_| {
        errors.push(FieldError::new(
            "email",
            Text::fixed("Une adresse e-mail valide.", "A valid e-mail address."),
        ))
    });
    let page = body.page.as_deref().map(str::trim).filter(|p| !p.is_empty()).unwrap_or("/");
    if !page.starts_with('/') || page.chars().count() > 500 || page.chars().any(char::is_control) {
        errors.push(FieldError::new("page", Text::fixed("Un chemin de ce site.", "A path of this site.")));
    }
    match email {
        Ok(email) if errors.is_empty() => Ok((email, page.to_owned())),
        _ => Err(Problem::validation(errors)),
    }
}

/// Asks for news of new consultations; always 202, so that nobody learns
/// whether an address is subscribed. A confirmation link goes out unless the
/// address is subscribed already.
#[utoipa::path(post, path = "/api/v1/subscriptions", tag = "notifications", request_body = SubscribeBody,
    responses((status = 202, description = "{status: confirmation_sent}"), (status = 400, description = "validation_failed"), (status = 429, description = "rate_limited")))]
pub async fn subscribe(
    req: HttpRequest,
    town: Town,
    state: web::Data<AppState>,
    body: web::Json<SubscribeBody>,
) -> Result<HttpResponse, Problem> {
    let (email, page) = checked(&body)?;
    let ip = req.peer_addr().map(|a| a.ip().to_string());
    let keys = [
        format!("subscribe:ip:{}", ip.as_deref().unwrap_or("unknown")),
        format!("subscribe:address:{}:{}", town.id, email.as_ref()),
    ];
    state.auth_rate_limit.check(&keys).await?;
    let confirm_id = Uuid::new_v4();
    let token = token_for(&state.signing_key, confirm_id);
    let lang = Lang::negotiate(req.headers().get("accept-language").and_then(|v| v.to_str().ok()));
    let consent = Consent { page: &page, wording: CONSENT_WORDING, ip, language: lang.tag() };
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    let requested = subscriptions::request(
        &txn,
        town.scope(),
        email.as_ref(),
        &consent,
        &token_hash(&token),
        Utc::now() + CONFIRM_TTL,
    )
    .await
    .map_err(Problem::internal)?;
    if requested == Requested::Pending {
        let payload = json!({
            "recipients": [email.as_ref()],
            "locale": lang,
            "mail": { "template": "account_link", "params": {
                "purpose": Purpose::Subscribe, "token_id": confirm_id,
                "host": req.connection_info().host().to_ascii_lowercase(), "name": "",
            }},
        });
        let event = NewEvent {
            kind: "subscription.requested".into(),
            payload,
            idempotency_key: confirm_id.to_string(),
        };
        outbox::record(&txn, Some(town.scope()), event).await.map_err(Problem::internal)?;
    }
    txn.commit().await.map_err(Problem::internal)?;
    Ok(HttpResponse::Accepted().json(json!({ "status": "confirmation_sent" })))
}

/// Confirms a subscription with the mailed link's token.
#[utoipa::path(post, path = "/api/v1/subscriptions/confirm", tag = "notifications", request_body = ConfirmBody,
    responses((status = 200, description = "{status: confirmed}"), (status = 400, description = "validation_failed: unknown, used or expired link")))]
pub async fn confirm(
    town: Town,
    state: web::Data<AppState>,
    body: web::Json<ConfirmBody>,
) -> Result<HttpResponse, Problem> {
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    let confirmed = subscriptions::confirm(&txn, town.scope(), &token_hash(body.token.trim()), Utc::now())
        .await
        .map_err(Problem::internal)?;
    txn.commit().await.map_err(Problem::internal)?;
    match confirmed {
        Some(_) => Ok(HttpResponse::Ok().json(json!({ "status": "confirmed" }))),
        None => Err(Problem::validation(vec![FieldError::new(
            "token",
            Text::fixed(
                "Ce lien n’est plus valable ; abonnez-vous à nouveau.",
                "This link is no longer valid; subscribe again.",
            ),
        )])),
    }
}
