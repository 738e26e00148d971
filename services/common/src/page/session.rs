//! Who a page is for: the browser session's access cookie, renewed in place
//! from the refresh cookie when it has expired (pages are read for longer
//! than an access token lives), and the CSRF token its forms carry.
use actix_web::{HttpRequest, cookie::Cookie, cookie::SameSite};
use chrono::Utc;
use entity::{membership, refresh_token};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    AppState, Site,
    auth::{ACCESS_TOKEN_SECONDS, Principal, Role, browser, from_session_token, one_time::token_hash},
};

/// Cookie holding an anonymous visitor's form nonce.
const FORM_COOKIE: &str = "participation_form";

/// A signed-in visitor: who, and which session (the CSRF token's key).
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub principal: Principal,
    pub sid: Uuid,
}

/// What the request's cookies say, and the cookies the answer must set.
pub struct Resolved {
    pub signed_in: Option<SignedIn>,
    pub csrf: String,
    pub set_cookies: Vec<Cookie<'static>>,
}

/// Reads the session; renews an expired access cookie; gives anonymous
/// visitors a nonce so that their forms (login, register…) carry a token too.
pub async fn resolve(req: &HttpRequest, state: &AppState) -> Resolved {
    let mut set_cookies = Vec::new();
    let access = req.cookie(browser::access_cookie_name(&state.config)).map(|c| c.value().to_owned());
    let mut signed_in = access
        .filter(|v| !v.is_empty())
        .and_then(|token| from_session_token(req, state, &token))
        .map(|(principal, sid)| SignedIn { principal, sid });
    if signed_in.is_none()
        && let Some((renewed, cookie)) = renew(req, state).await
    {
        signed_in = Some(renewed);
        set_cookies.push(cookie);
    }
    let csrf = match &signed_in {
        Some(s) => browser::csrf_token(&state.signing_key, s.sid),
        None => {
            let nonce = req.cookie(FORM_COOKIE).map(|c| c.value().to_owned()).filter(|v| v.len() == 32);
            let nonce = nonce.unwrap_or_else(|| {
                let fresh = Uuid::new_v4().simple().to_string();
                set_cookies.push(form_cookie(state, fresh.clone()));
                fresh
            });
            anonymous_csrf(state, &nonce)
        }
    };
    Resolved { signed_in, csrf, set_cookies }
}

/// Whether `presented` is the CSRF token of this request's session (or of its
/// anonymous nonce).
pub fn csrf_ok(req: &HttpRequest, state: &AppState, signed_in: Option<&SignedIn>, presented: &str) -> bool {
    match signed_in {
        Some(s) => state.signing_key.verify(format!("csrf:{}", s.sid).as_bytes(), presented),
        None => req.cookie(FORM_COOKIE).is_some_and(|c| {
            state.signing_key.verify(format!("csrf-anon:{}", c.value()).as_bytes(), presented)
        }),
    }
}

fn anonymous_csrf(state: &AppState, nonce: &str) -> String {
    state.signing_key.sign(format!("csrf-anon:{nonce}").as_bytes())
}

fn form_cookie(state: &AppState, nonce: String) -> Cookie<'static> {
    Cookie::build(FORM_COOKIE, nonce)
        .path("/")
        .http_only(true)
        .secure(browser::secure(&state.config))
        .same_site(SameSite::Lax)
        .finish()
}

/// A new access cookie from a live refresh cookie of this host. The refresh
/// token is not rotated: two tabs loading at once must not look like theft.
async fn renew(req: &HttpRequest, state: &AppState) -> Option<(SignedIn, Cookie<'static>)> {
    use actix_web::HttpMessage;
    let refresh = req.cookie(browser::refresh_cookie_name(&state.config))?;
    let town = match req.extensions().get::<Site>()? {
        Site::Platform => None,
        Site::Town(t) => Some((t.id, t.tokens_valid_after)),
    };
    let now = Utc::now();
    let mut query = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(token_hash(refresh.value())))
        .filter(refresh_token::Column::UsedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .filter(refresh_token::Column::ExpiresAt.gt(now));
    query = match town {
        Some((id, _)) => query.filter(refresh_token::Column::TenantId.eq(id)),
        None => query.filter(refresh_token::Column::TenantId.is_null()),
    };
    let row = query.one(&state.db).await.ok()??;
    if town.and_then(|(_, after)| after).is_some_and(|after| row.created_at <= after) {
        return None;
    }
    let role = match town {
        None => Role::Operator,
        Some((id, _)) => membership::Entity::find()
            .filter(membership::Column::TenantId.eq(id))
            .filter(membership::Column::UserId.eq(row.user_id))
            .one(&state.db)
            .await
            .ok()?
            .and_then(|m| Role::parse(&m.role))
            .filter(|r| r.is_staff())
            .unwrap_or(Role::Citizen),
    };
    let tenant_id = town.map(|(id, _)| id);
    let (token, _) = state.jwt.issue(row.user_id, tenant_id, role, Some(row.family_id)).ok()?;
    let cookie = browser::access_cookie(&state.config, &token, ACCESS_TOKEN_SECONDS);
    let principal = Principal { user_id: row.user_id, tenant_id, role };
    Some((SignedIn { principal, sid: row.family_id }, cookie))
}
