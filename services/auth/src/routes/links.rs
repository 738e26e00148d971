//! Login links and forgotten passwords: both answer 202 whatever the address,
//! and mail a one-time link only when it has an account.
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Duration, Utc};
use common::{AppState, Problem, Site, auth::one_time::Purpose, domain::Email, problem::FieldError};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::{
    account_mail::{self, AccountMail},
    domain::{password::NewPassword, realm::Realm},
    limits,
    routes::{
        account::{TokenBody, dead_link, lang_and_host},
        session::{hasher, open_session},
    },
    store::{accounts, tokens},
};

const LOGIN_LINK_TTL: Duration = Duration::minutes(15);
const RESET_TTL: Duration = Duration::hours(1);

/// Registers the login-link and password-reset routes (town and platform hosts).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/auth/magic-link", web::post().to(ask_login_link))
        .route("/api/v1/auth/magic-link/consume", web::post().to(consume_login_link))
        .route("/api/v1/auth/password/forgot", web::post().to(forgot_password))
        .route("/api/v1/auth/password/reset", web::post().to(reset_password));
}

/// An address to mail a link to.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EmailBody {
    email: String,
}

/// A reset link's token and the new password.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ResetBody {
    token: String,
    password: String,
}

fn accepted() -> HttpResponse {
    HttpResponse::Accepted().json(json!({ "status": "sent_if_known" }))
}

/// Mails a link of `purpose` to the account of `email` in the host's realm, if
/// any. The lookup and the writes run after the answer has gone, so that a
/// known address is not told apart from an unknown one by the time it takes.
async fn mail_link(
    req: &HttpRequest,
    site: &Site,
    state: &web::Data<AppState>,
    email: &str,
    purpose: Purpose,
    ttl: Duration,
) -> Result<(), Problem> {
    let realm = Realm::of(site);
    limits::check(req, state, purpose.as_str(), realm, Some(email)).await?;
    let Ok(email) = Email::parse(email) else { return Ok(()) };
    let (lang, host) = lang_and_host(req);
    let state = state.clone();
    // The task outlives the request: it carries the request's row access along.
    let access = common::tenancy::RowAccess::current();
    actix_web::rt::spawn(access.run(async move {
        if let Err(e) = record_link(&state, realm, &email, purpose, ttl, lang, &host).await {
            tracing::error!(error = ?e, purpose = purpose.as_str(), "could not record a mailed link");
        }
    }));
    Ok(())
}

async fn record_link(
    state: &AppState,
    realm: Realm,
    email: &Email,
    purpose: Purpose,
    ttl: Duration,
    lang: common::i18n::Lang,
    host: &str,
) -> Result<(), sea_orm::DbErr> {
    let Some(user) = accounts::by_email(&state.db, realm, email).await? else { return Ok(()) };
    let txn = common::db::begin_write(&state.db).await?;
    let token = tokens::issue_one_time(&txn, realm, Some(user.id), purpose, ttl, &state.signing_key).await?;
    let mail = AccountMail { to: &user.email, name: &user.display_name, host, lang };
    account_mail::record(&txn, realm, mail, purpose, token).await?;
    txn.commit().await
}

/// Mails a 15-minute, single-use login link.
#[utoipa::path(post, path = "/api/v1/auth/magic-link", tag = "auth", request_body = EmailBody,
    responses((status = 202, description = "mailed if the address has an account")))]
pub async fn ask_login_link(
    req: HttpRequest,
    site: Site,
    state: web::Data<AppState>,
    body: web::Json<EmailBody>,
) -> Result<HttpResponse, Problem> {
    mail_link(&req, &site, &state, &body.email, Purpose::LoginLink, LOGIN_LINK_TTL).await?;
    Ok(accepted())
}

/// Spends a login link: a session, and the address counts as verified.
#[utoipa::path(post, path = "/api/v1/auth/magic-link/consume", tag = "auth", request_body = TokenBody,
    responses((status = 200, body = crate::routes::session::Tokens), (status = 400, description = "validation_failed")))]
pub async fn consume_login_link(
    req: HttpRequest,
    site: Site,
    state: web::Data<AppState>,
    body: web::Json<TokenBody>,
) -> Result<HttpResponse, Problem> {
    let realm = Realm::of(&site);
    limits::check(&req, &state, "consume_link", realm, None).await?;
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    let spent = tokens::consume_one_time(&txn, realm, body.token(), Purpose::LoginLink, Utc::now())
        .await
        .map_err(Problem::internal)?;
    let Some(user_id) = spent.and_then(|t| t.user_id) else { return Err(dead_link()) };
    accounts::mark_verified(&txn, realm, user_id).await.map_err(Problem::internal)?;
    let user =
        accounts::by_id(&txn, realm, user_id).await.map_err(Problem::internal)?.ok_or_else(dead_link)?;
    let session = open_session(&state, &txn, realm, &user, Uuid::new_v4()).await?;
    txn.commit().await.map_err(Problem::internal)?;
    Ok(HttpResponse::Ok().json(session))
}

/// Mails a one-hour, single-use link to choose a new password.
#[utoipa::path(post, path = "/api/v1/auth/password/forgot", tag = "auth", request_body = EmailBody,
    responses((status = 202, description = "mailed if the address has an account")))]
pub async fn forgot_password(
    req: HttpRequest,
    site: Site,
    state: web::Data<AppState>,
    body: web::Json<EmailBody>,
) -> Result<HttpResponse, Problem> {
    mail_link(&req, &site, &state, &body.email, Purpose::PasswordReset, RESET_TTL).await?;
    Ok(accepted())
}

/// Sets a new password from a reset link; every session of the account ends.
#[utoipa::path(post, path = "/api/v1/auth/password/reset", tag = "auth", request_body = ResetBody,
    responses((status = 200, description = "password changed"), (status = 400, description = "validation_failed")))]
pub async fn reset_password(
    req: HttpRequest,
    site: Site,
    state: web::Data<AppState>,
    body: web::Json<ResetBody>,
) -> Result<HttpResponse, Problem> {
    let realm = Realm::of(&site);
    limits::check(&req, &state, "reset", realm, None).await?;
    let now = Utc::now();
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    let spent = tokens::consume_one_time(&txn, realm, &body.token, Purpose::PasswordReset, now)
        .await
        .map_err(Problem::internal)?;
    let Some(user_id) = spent.and_then(|t| t.user_id) else { return Err(dead_link()) };
    let user =
        accounts::by_id(&txn, realm, user_id).await.map_err(Problem::internal)?.ok_or_else(dead_link)?;
    // A weak password rolls the transaction back: the link stays good for a second try.
    let password = NewPassword::parse(&body.password, &user.email)
        .map_err(|e| Problem::validation(vec![FieldError::new("password", e.message())]))?;
    let hasher = hasher(&state)?;
    let hash = web::block(move || hasher.hash(&password))
        .await
        .map_err(Problem::internal)?
        .map_err(Problem::internal)?;
    accounts::set_password(&txn, realm, user_id, hash).await.map_err(Problem::internal)?;
    accounts::mark_verified(&txn, realm, user_id).await.map_err(Problem::internal)?;
    tokens::revoke_user(&txn, realm, user_id, now).await.map_err(Problem::internal)?;
    txn.commit().await.map_err(Problem::internal)?;
    Ok(HttpResponse::Ok().json(json!({ "status": "password_changed" })))
}
