//! Logging in and out, and refreshing access tokens.
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use chrono::Utc;
use common::{
    AppState, Problem, Site, auth::ACCESS_TOKEN_SECONDS, domain::Email, i18n::Text,
    tenancy::revisions::post_changing_no_page,
};
use entity::user;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    domain::{password::PasswordHasherConfig, realm::Realm},
    limits,
    routes::browser_session,
    store::{accounts, tokens, tokens::Refresh},
};

/// Registers login, refresh and logout (town and platform hosts).
pub fn configure(cfg: &mut web::ServiceConfig) {
    // Sessions change no page: the town's kept pages stay.
    cfg.service(post_changing_no_page("/api/v1/auth/login", login))
        .service(post_changing_no_page("/api/v1/auth/refresh", refresh))
        .service(post_changing_no_page("/api/v1/auth/logout", logout));
}

/// E-mail and password.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginBody {
    email: String,
    password: String,
    /// `cookie` for a browser session (HttpOnly cookies and a CSRF token);
    /// tokens in the body otherwise.
    #[serde(default)]
    session: Option<String>,
}

/// A refresh token, to rotate or revoke.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RefreshBody {
    /// Absent for a browser session: the refresh cookie is used.
    #[serde(default)]
    refresh_token: Option<String>,
}

/// What a login or a refresh gives.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Tokens {
    pub(crate) access_token: String,
    pub(crate) refresh_token: String,
    token_type: &'static str,
    /// Seconds the access token is good for.
    expires_in: i64,
}

/// 401 `invalid_credentials`, the same for an unknown e-mail and a wrong password.
fn invalid_credentials() -> Problem {
    Problem::new(StatusCode::UNAUTHORIZED, "invalid_credentials").with_detail(Text::fixed(
        "Adresse e-mail ou mot de passe incorrect.",
        "Wrong e-mail address or password.",
    ))
}

/// The password hasher of this process, at the configured cost.
pub fn hasher(state: &AppState) -> Result<&'static PasswordHasherConfig, Problem> {
    static HASHER: std::sync::OnceLock<PasswordHasherConfig> = std::sync::OnceLock::new();
    if let Some(h) = HASHER.get() {
        return Ok(h);
    }
    let made = PasswordHasherConfig::new(state.config.argon2).map_err(Problem::internal)?;
    Ok(HASHER.get_or_init(|| made))
}

/// Issues an access token and a new refresh token of `family` for `user`.
pub async fn open_session(
    state: &AppState,
    conn: &impl ConnectionTrait,
    realm: Realm,
    user: &user::Model,
    family: Uuid,
) -> Result<Tokens, Problem> {
    let role = accounts::role_of(conn, realm, user).await.map_err(Problem::internal)?;
    let (access_token, _) =
        state.jwt.issue(user.id, realm.tenant_id(), role, Some(family)).map_err(Problem::internal)?;
    let refresh_token =
        tokens::issue_refresh(conn, realm, user.id, family).await.map_err(Problem::internal)?;
    Ok(Tokens { access_token, refresh_token, token_type: "Bearer", expires_in: ACCESS_TOKEN_SECONDS })
}

/// Logs in with e-mail and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginBody,
    responses((status = 200, body = Tokens), (status = 401, description = "invalid_credentials"),
        (status = 429, description = "rate_limited")))]
pub async fn login(
    req: HttpRequest,
    site: Site,
    state: web::Data<AppState>,
    body: web::Json<LoginBody>,
) -> Result<HttpResponse, Problem> {
    let realm = Realm::of(&site);
    limits::check(&req, &state, "login", realm, Some(&body.email)).await?;
    let by_cookie = browser_session::wants_cookie(body.session.as_deref())?;
    let user = match Email::parse(&body.email) {
        Ok(email) => accounts::by_email(&state.db, realm, &email).await.map_err(Problem::internal)?,
        Err(_) => None,
    };
    let hasher = hasher(&state)?;
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let password = body.into_inner().password;
    // Argon2 takes tens of milliseconds of CPU: off the request threads.
    let matches =
        web::block(move || hasher.verify(&password, stored.as_deref())).await.map_err(Problem::internal)?;
    let Some(user) = user.filter(|_| matches) else { return Err(invalid_credentials()) };
    let family = Uuid::new_v4();
    let tokens = open_session(&state, &state.db, realm, &user, family).await?;
    if by_cookie {
        return Ok(browser_session::respond(&state, &tokens, family));
    }
    Ok(HttpResponse::Ok().json(tokens))
}

/// Exchanges a refresh token for a new pair; a token used twice revokes its family.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshBody,
    responses((status = 200, body = Tokens), (status = 401, description = "unauthenticated")))]
pub async fn refresh(
    req: HttpRequest,
    site: Site,
    state: web::Data<AppState>,
    body: web::Json<RefreshBody>,
) -> Result<HttpResponse, Problem> {
    let realm = Realm::of(&site);
    let (presented, by_cookie) = match body.into_inner().refresh_token {
        Some(token) => (token, false),
        None => (browser_session::refresh_cookie(&req, &state, realm).await?, true),
    };
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    let outcome =
        tokens::rotate_refresh(&txn, realm, &presented, Utc::now()).await.map_err(Problem::internal)?;
    let spent = match outcome {
        Refresh::Rotated(row) => row,
        Refresh::Reused => {
            // The revocation must stand even though the request fails.
            txn.commit().await.map_err(Problem::internal)?;
            tracing::warn!("refresh token reused: its family is revoked");
            return Err(common::auth::unauthenticated());
        }
        Refresh::Invalid => return Err(common::auth::unauthenticated()),
    };
    let user = accounts::by_id(&txn, realm, spent.user_id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(common::auth::unauthenticated)?;
    let tokens = open_session(&state, &txn, realm, &user, spent.family_id).await?;
    txn.commit().await.map_err(Problem::internal)?;
    if by_cookie {
        return Ok(browser_session::respond(&state, &tokens, spent.family_id));
    }
    Ok(HttpResponse::Ok().json(tokens))
}

/// Ends the session the refresh token belongs to; always 204.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshBody,
    responses((status = 204, description = "the session is over")))]
pub async fn logout(
    req: HttpRequest,
    site: Site,
    state: web::Data<AppState>,
    body: web::Json<RefreshBody>,
) -> Result<HttpResponse, Problem> {
    let realm = Realm::of(&site);
    let presented = match body.into_inner().refresh_token {
        Some(token) => token,
        None => browser_session::refresh_cookie(&req, &state, realm).await?,
    };
    if let Some(family) = tokens::family_of(&state.db, realm, &presented).await.map_err(Problem::internal)? {
        tokens::revoke_family(&state.db, realm, family, Utc::now()).await.map_err(Problem::internal)?;
    }
    let mut res = HttpResponse::NoContent();
    for cookie in common::auth::browser::cleared_cookies(&state.config) {
        res.cookie(cookie);
    }
    Ok(res.finish())
}
