//! The browser side of sessions: tokens travel in cookies, and the page gets
//! the CSRF token its forms and scripts send back.
use actix_web::{HttpRequest, HttpResponse};
use common::{
    AppState, Problem,
    auth::{ACCESS_TOKEN_SECONDS, browser},
    i18n::Text,
    problem::FieldError,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    domain::realm::Realm,
    routes::session::Tokens,
    store::tokens::{self, REFRESH_TTL},
};

/// Whether a login asked for a browser session (`session: "cookie"`).
pub fn wants_cookie(session: Option<&str>) -> Result<bool, Problem> {
    match session {
        None | Some("token") => Ok(false),
        Some("cookie") => Ok(true),
        Some(_) => Err(Problem::validation(vec![FieldError::new(
            "session",
            Text::fixed("« cookie » ou « token ».", "\"cookie\" or \"token\"."),
        )])),
    }
}

/// 200 with the session's cookies, and its CSRF token in the body.
pub fn respond(state: &AppState, tokens: &Tokens, family: Uuid) -> HttpResponse {
    let mut res = HttpResponse::Ok();
    let cookies = browser::session_cookies(
        &state.config,
        &tokens.access_token,
        &tokens.refresh_token,
        ACCESS_TOKEN_SECONDS,
        REFRESH_TTL.num_seconds(),
    );
    for cookie in cookies {
        res.cookie(cookie);
    }
    res.json(json!({
        "token_type": "cookie",
        "csrf_token": browser::csrf_token(&state.signing_key, family),
        "expires_in": ACCESS_TOKEN_SECONDS,
    }))
}

/// The refresh cookie, once the request proves with the CSRF header that it
/// comes from the session's own page; 401 without a cookie, 403 without proof.
pub async fn refresh_cookie(req: &HttpRequest, state: &AppState, realm: Realm) -> Result<String, Problem> {
    let token = req
        .cookie(browser::refresh_cookie_name(&state.config))
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or_else(common::auth::unauthenticated)?;
    let family = tokens::family_of(&state.db, realm, &token)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(common::auth::unauthenticated)?;
    if !browser::csrf_header_ok(req, &state.signing_key, family) {
        return Err(Problem::new(actix_web::http::StatusCode::FORBIDDEN, "forbidden"));
    }
    Ok(token)
}
