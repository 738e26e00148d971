//! Registering, proving one's e-mail address, and one's own profile.
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Duration, Utc};
use common::{
    AppState, Problem, Site, Town,
    auth::{Principal, one_time::Purpose},
    domain::Email,
    i18n::{Lang, Text},
    problem::FieldError,
};
use sea_orm::SqlErr;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{
    account_mail::{self, AccountMail},
    domain::{display_name::DisplayName, password::NewPassword, realm::Realm},
    limits,
    routes::session::hasher,
    store::{accounts, tokens},
};

/// How long an e-mail verification link stays good.
const VERIFY_TTL: Duration = Duration::hours(48);

/// Registers the account routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/auth/register", web::post().to(register))
        .route("/api/v1/auth/verify-email", web::post().to(verify_email))
        .route("/api/v1/me", web::get().to(me));
}

/// A new citizen account.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RegisterBody {
    email: String,
    password: String,
    display_name: String,
}

/// A token from a mailed link.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TokenBody {
    token: String,
}

impl TokenBody {
    /// The token as sent.
    pub fn token(&self) -> &str {
        &self.token
    }
}

/// One's own account.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeDto {
    id: uuid::Uuid,
    email: String,
    display_name: String,
    email_verified: bool,
    role: String,
}

/// The request's language and host, for the mail it causes.
pub fn lang_and_host(req: &HttpRequest) -> (Lang, String) {
    let lang = Lang::negotiate(req.headers().get("accept-language").and_then(|v| v.to_str().ok()));
    (lang, req.connection_info().host().to_ascii_lowercase())
}

/// Creates a citizen account and mails a verification link. The answer is the
/// same whether the address had an account already, so nobody learns it.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterBody,
    responses((status = 201, description = "verification_sent"), (status = 400, description = "validation_failed")))]
pub async fn register(
    req: HttpRequest,
    town: Town,
    state: web::Data<AppState>,
    body: web::Json<RegisterBody>,
) -> Result<HttpResponse, Problem> {
    limits::check(&req, &state, "register", Realm::Town(town.scope()), Some(&body.email)).await?;
    let email = Email::parse(&body.email);
    let password = NewPassword::parse(&body.password, &body.email);
    let name = DisplayName::parse(&body.display_name);
    let (email, password, name) = match (email, password, name) {
        (Ok(e), Ok(p), Ok(n)) => (e, p, n),
        (e, p, n) => {
            let mut errors = Vec::new();
            if let Err(e) = e {
                errors.push(FieldError::new(
                    "email",
                    Text::new(format!("Adresse invalide : {e}."), format!("Invalid address: {e}.")),
                ));
            }
            if let Err(e) = p {
                errors.push(FieldError::new("password", e.message()));
            }
            if let Err(e) = n {
                errors.push(FieldError::new("display_name", e.message()));
            }
            return Err(Problem::validation(errors));
        }
    };
    let hasher = hasher(&state)?;
    let hash = web::block(move || hasher.hash(&password))
        .await
        .map_err(Problem::internal)?
        .map_err(Problem::internal)?;
    let realm = Realm::Town(town.scope());
    let (lang, host) = lang_and_host(&req);
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    match accounts::create(&txn, realm, &email, Some(hash), name.as_ref()).await {
        Ok(user) => {
            let token = tokens::issue_one_time(
                &txn,
                realm,
                Some(user.id),
                Purpose::VerifyEmail,
                VERIFY_TTL,
                &state.signing_key,
            )
            .await
            .map_err(Problem::internal)?;
            let mail = AccountMail { to: email.as_ref(), name: name.as_ref(), host: &host, lang };
            account_mail::record(&txn, realm, mail, Purpose::VerifyEmail, token)
                .await
                .map_err(Problem::internal)?;
            txn.commit().await.map_err(Problem::internal)?;
        }
        // The address has an account: nothing is created, nothing is told.
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            txn.rollback().await.map_err(Problem::internal)?;
        }
        Err(e) => return Err(Problem::internal(e)),
    }
    Ok(HttpResponse::Created().json(json!({ "status": "verification_sent" })))
}

/// Spends a verification link's token.
#[utoipa::path(post, path = "/api/v1/auth/verify-email", tag = "auth", request_body = TokenBody,
    responses((status = 200, description = "verified"), (status = 400, description = "validation_failed")))]
pub async fn verify_email(
    town: Town,
    state: web::Data<AppState>,
    body: web::Json<TokenBody>,
) -> Result<HttpResponse, Problem> {
    let realm = Realm::Town(town.scope());
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    let spent = tokens::consume_one_time(&txn, realm, &body.token, Purpose::VerifyEmail, Utc::now())
        .await
        .map_err(Problem::internal)?;
    let Some(user_id) = spent.and_then(|t| t.user_id) else { return Err(dead_link()) };
    accounts::mark_verified(&txn, realm, user_id).await.map_err(Problem::internal)?;
    txn.commit().await.map_err(Problem::internal)?;
    Ok(HttpResponse::Ok().json(json!({ "status": "verified" })))
}

/// 400 on `token`: unknown, used or expired, without saying which.
pub fn dead_link() -> Problem {
    Problem::validation(vec![FieldError::new(
        "token",
        Text::fixed(
            "Ce lien n’est plus valable ; demandez-en un nouveau.",
            "This link is no longer valid; ask for a new one.",
        ),
    )])
}

/// The caller's own account.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = MeDto), (status = 401, description = "unauthenticated")))]
pub async fn me(
    site: Site,
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    // The principal's town is the host's: the extractor checked it.
    let realm = Realm::of(&site);
    let user = accounts::by_id(&state.db, realm, principal.user_id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(common::auth::unauthenticated)?;
    Ok(HttpResponse::Ok().json(MeDto {
        id: user.id,
        email: user.email,
        display_name: user.display_name,
        email_verified: user.email_verified_at.is_some(),
        role: principal.role.as_str().to_owned(),
    }))
}
