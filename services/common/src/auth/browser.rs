//! Browser sessions: the access and refresh tokens in HttpOnly, SameSite=Lax
//! cookies (Secure and `__Host-` under https), and a CSRF token bound to the
//! session that every state-changing request made with them must carry.
use actix_web::{
    HttpRequest,
    cookie::{Cookie, SameSite, time::Duration},
};
use uuid::Uuid;

use crate::{
    config::{Config, UrlScheme},
    signing::SigningKey,
};

/// Header a page's script (or a form's hidden field, read by the page handler) carries.
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// Path the refresh cookie is sent to: the whole site, as pages renew their
/// access cookie from it.
const REFRESH_PATH: &str = "/";

/// Whether cookies are Secure (the platform is served over https).
pub fn secure(config: &Config) -> bool {
    config.public_url_scheme == UrlScheme::Https
}

/// Name of the access-token cookie: `__Host-` prefixed under https, which
/// browsers only accept Secure, host-only and for the whole site.
pub fn access_cookie_name(config: &Config) -> &'static str {
    if secure(config) { "__Host-participation_session" } else { "participation_session" }
}

/// Name of the refresh-token cookie.
pub fn refresh_cookie_name(config: &Config) -> &'static str {
    if secure(config) { "__Secure-participation_refresh" } else { "participation_refresh" }
}

fn cookie(
    config: &Config,
    name: &'static str,
    value: String,
    path: &'static str,
    max_age: Duration,
) -> Cookie<'static> {
    Cookie::build(name, value)
        .path(path)
        .http_only(true)
        .secure(secure(config))
        .same_site(SameSite::Lax)
        .max_age(max_age)
        .finish()
}

/// The access-token cookie alone (a page renewing an expired one).
pub fn access_cookie(config: &Config, access: &str, access_seconds: i64) -> Cookie<'static> {
    cookie(config, access_cookie_name(config), access.to_owned(), "/", Duration::seconds(access_seconds))
}

/// The two cookies of a session.
pub fn session_cookies(
    config: &Config,
    access: &str,
    refresh: &str,
    access_seconds: i64,
    refresh_seconds: i64,
) -> [Cookie<'static>; 2] {
    [
        access_cookie(config, access, access_seconds),
        cookie(
            config,
            refresh_cookie_name(config),
            refresh.to_owned(),
            REFRESH_PATH,
            Duration::seconds(refresh_seconds),
        ),
    ]
}

/// Cookies that make the browser forget the session.
pub fn cleared_cookies(config: &Config) -> [Cookie<'static>; 2] {
    [
        cookie(config, access_cookie_name(config), String::new(), "/", Duration::ZERO),
        cookie(config, refresh_cookie_name(config), String::new(), REFRESH_PATH, Duration::ZERO),
    ]
}

/// The CSRF token of session `sid`: pages put it in every form.
pub fn csrf_token(key: &SigningKey, sid: Uuid) -> String {
    key.sign(format!("csrf:{sid}").as_bytes())
}

/// Whether `req` carries the CSRF token of session `sid` in its header.
pub fn csrf_header_ok(req: &HttpRequest, key: &SigningKey, sid: Uuid) -> bool {
    req.headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|token| key.verify(format!("csrf:{sid}").as_bytes(), token))
}

/// Whether a request of this method changes state (and so needs the CSRF token).
pub fn changes_state(req: &HttpRequest) -> bool {
    !matches!(req.method().as_str(), "GET" | "HEAD" | "OPTIONS")
}
