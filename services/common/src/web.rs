//! What every page and answer shares: security headers on each response, and
//! the platform's one small stylesheet (no external font or CDN: the platform
//! must work on a closed network).
use actix_web::{
    Error, HttpResponse,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header::{self, HeaderName, HeaderValue},
    middleware::Next,
    web,
};

use crate::{AppState, config::UrlScheme};

/// The stylesheet, compiled into the binary.
pub const STYLESHEET: &str = include_str!("../static/site.css");

/// The budget ballot's live total, the only script (pages work without it).
pub const BUDGET_SCRIPT: &str = include_str!("../static/budget.js");

/// Scripts and styles from this site only (no inline script), nothing framed,
/// forms posted here only; images may come from https (a town's logo).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' https: data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Registers `/static/site.css` (any host).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/site.css", web::get().to(stylesheet))
        .route("/static/budget.js", web::get().to(budget_script));
    crate::page::configure(cfg);
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(STYLESHEET)
}

async fn budget_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(BUDGET_SCRIPT)
}

/// Adds the security headers a response does not set itself; HSTS when the
/// platform is served over https.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let https =
        req.app_data::<web::Data<AppState>>().is_some_and(|s| s.config.public_url_scheme == UrlScheme::Https);
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "strict-origin-when-cross-origin");
    set(header::X_FRAME_OPTIONS, "DENY");
    if https {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains");
    }
    Ok(res)
}

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    f: crate::page::Frame,
    detail: Option<String>,
    request_id: &'a str,
}

/// The page a browser gets for `problem`, with its status and in `lang`.
pub fn error_page(
    req: &actix_web::HttpRequest,
    problem: &crate::Problem,
    lang: crate::i18n::Lang,
    request_id: &str,
) -> HttpResponse {
    use actix_web::HttpMessage;
    use askama::Template;
    let town = match req.extensions().get::<crate::tenancy::Site>() {
        Some(crate::tenancy::Site::Town(t)) => Some(t.name.clone()),
        _ => None,
    };
    let page = ErrorPage {
        f: crate::page::Frame::bare(lang, town.as_deref(), problem.title(lang)),
        detail: problem.detail(lang),
        request_id,
    };
    let mut res = HttpResponse::build(problem.status());
    res.content_type("text/html; charset=utf-8").insert_header(("Content-Language", lang.tag()));
    match page.render() {
        Ok(body) => res.body(body),
        Err(_) => res.body(problem.title(lang)),
    }
}

/// The contrast ratio (WCAG 2) of the `#rrggbb` colour against white, if it is one.
pub fn contrast_on_white(colour: &str) -> Option<f64> {
    let hex = colour.strip_prefix('#').filter(|h| h.len() == 6)?;
    let channel = |i: usize| -> Option<f64> {
        let c = f64::from(u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()?) / 255.0;
        Some(if c <= 0.03928 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) })
    };
    let luminance = 0.2126 * channel(0)? + 0.7152 * channel(2)? + 0.0722 * channel(4)?;
    Some(1.05 / (luminance + 0.05))
}

#[cfg(test)]
mod tests {
    use super::contrast_on_white;

    #[test]
    fn contrast_against_white_follows_wcag() {
        let ratio = |c| contrast_on_white(c).unwrap();
        assert!((ratio("#000000") - 21.0).abs() < 0.01);
        assert!((ratio("#ffffff") - 1.0).abs() < 0.01);
        assert!(ratio("#1a4d8f") >= 4.5, "the platform's colour");
        assert!(ratio("#ffcc00") < 4.5, "yellow on white is unreadable");
        assert_eq!(contrast_on_white("red"), None);
    }
}
