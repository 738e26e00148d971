//! The caller of a request, from its `Authorization: Bearer` access token.
use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, http::StatusCode, web};
use uuid::Uuid;

use super::{Role, audience, browser};
use crate::{Problem, i18n::Text, state::AppState, tenancy::Site};

/// An authenticated caller whose token was made for the host it called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: Uuid,
    /// The town of the host, which is the token's town; none on the platform host.
    pub tenant_id: Option<Uuid>,
    pub role: Role,
}

impl Principal {
    /// 403 unless the caller is an operator.
    pub fn require_operator(&self) -> Result<(), Problem> {
        self.require(self.role == Role::Operator)
    }

    /// 403 unless the caller is an admin of this town.
    pub fn require_admin(&self) -> Result<(), Problem> {
        self.require(self.role == Role::Admin)
    }

    /// 403 unless the caller is an admin or moderator of this town.
    pub fn require_staff(&self) -> Result<(), Problem> {
        self.require(self.role.is_staff())
    }

    fn require(&self, allowed: bool) -> Result<(), Problem> {
        if allowed { Ok(()) } else { Err(Problem::new(StatusCode::FORBIDDEN, "forbidden")) }
    }
}

/// 401 `unauthenticated`, the same whatever was wrong with the token.
pub fn unauthenticated() -> Problem {
    Problem::new(StatusCode::UNAUTHORIZED, "unauthenticated")
        .with_detail(Text::fixed("Connectez-vous pour continuer.", "Log in to continue."))
}

fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(actix_web::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

fn principal(req: &HttpRequest) -> Result<Principal, Problem> {
    let state = req.app_data::<web::Data<AppState>>().ok_or_else(|| Problem::internal("AppState missing"))?;
    // An API client sends a Bearer token; a browser, the session cookie.
    let cookie = req.cookie(browser::access_cookie_name(&state.config));
    let (token, by_cookie) = match (bearer(req), &cookie) {
        (Some(token), _) => (token, false),
        (None, Some(c)) if !c.value().is_empty() => (c.value(), true),
        _ => return Err(unauthenticated()),
    };
    let (principal, sid) = accept(req, state, token)?;
    // A cookie rides along on requests other sites make the browser send: a
    // change made with it must prove it comes from our own page.
    if by_cookie && browser::changes_state(req) {
        let proven = sid.is_some_and(|sid| browser::csrf_header_ok(req, &state.signing_key, sid));
        if !proven {
            return Err(Problem::new(StatusCode::FORBIDDEN, "forbidden").with_detail(Text::fixed(
                "Jeton anti-falsification absent ou invalide : rechargez la page.",
                "Missing or invalid anti-forgery token: reload the page.",
            )));
        }
    }
    Ok(principal)
}

/// The caller `token` proves on this host, with its session id.
fn accept(req: &HttpRequest, state: &AppState, token: &str) -> Result<(Principal, Option<Uuid>), Problem> {
    let (town, valid_after) = match req.extensions().get::<Site>() {
        Some(Site::Platform) => (None, None),
        Some(Site::Town(town)) => (Some(town.id), town.tokens_valid_after),
        None => return Err(Problem::unknown_host()),
    };
    let claims = state.jwt.verify(token, &audience(town)).map_err(|e| {
        tracing::info!(error = %e, "access token refused");
        unauthenticated()
    })?;
    // The audience already binds the token to this town; operators exist only
    // on the platform host, and town accounts only on theirs.
    if claims.tid != town || (claims.role == Role::Operator) != town.is_none() {
        return Err(unauthenticated());
    }
    // A suspension cuts every session of the town, even once it is lifted. `iat`
    // counts whole seconds: a token of the suspension's own second is cut too.
    if valid_after.is_some_and(|after| claims.iat <= after.timestamp()) {
        return Err(unauthenticated());
    }
    Ok((Principal { user_id: claims.sub, tenant_id: claims.tid, role: claims.role }, claims.sid))
}

/// The browser session `token` (an access cookie's value) proves on this host,
/// with its session id; pages check their forms' CSRF field themselves.
pub fn from_session_token(req: &HttpRequest, state: &AppState, token: &str) -> Option<(Principal, Uuid)> {
    let (principal, sid) = accept(req, state, token).ok()?;
    Some((principal, sid?))
}

impl FromRequest for Principal {
    type Error = Problem;
    type Future = Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(principal(req))
    }
}
