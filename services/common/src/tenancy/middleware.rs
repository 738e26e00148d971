//! The middleware that resolves every request's host before routing.
use actix_web::{
    Error, HttpMessage, HttpResponse, ResponseError,
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::header,
    middleware::Next,
    web,
};

use super::Site;
use crate::{health, i18n::Lang, problem::Problem, state::AppState};

/// Resolves the Host header into a [`Site`] stored in the request's extensions;
/// answers 404 `unknown_host` or 503 `tenant_suspended` itself.
pub async fn resolve_site(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // Probes come from the orchestrator by pod address, not by a town's name.
    if health::is_probe_path(req.path()) {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    }
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(req.into_response(Problem::internal("AppState missing").error_response()));
    };
    let host = request_host(&req);
    match state.resolver.resolve(&host).await {
        Ok(site) => {
            if let Site::Town(town) = &site {
                tracing::Span::current().record("tenant_id", tracing::field::display(town.id));
            }
            req.extensions_mut().insert(site);
            next.call(req).await.map(ServiceResponse::map_into_boxed_body)
        }
        Err(problem) if problem.code() == "tenant_suspended" && crate::http::wants_html(req.headers()) => {
            let lang = Lang::negotiate(header_str(&req, header::ACCEPT_LANGUAGE));
            Ok(req.into_response(suspended_page(lang)))
        }
        Err(problem) => Ok(req.into_response(problem.error_response())),
    }
}

/// The Host header as sent (HTTP/2: the URI authority); never `X-Forwarded-Host`,
/// which a client could forge to reach another town.
fn request_host(req: &ServiceRequest) -> String {
    header_str(req, header::HOST)
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .unwrap_or_default()
}

fn header_str(req: &ServiceRequest, name: header::HeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

fn suspended_page(lang: Lang) -> HttpResponse {
    let (title, text) = match lang {
        Lang::Fr => (
            "Espace momentanément suspendu",
            "L’espace de participation de cette commune est suspendu. Pour toute question, contactez votre mairie.",
        ),
        Lang::En => (
            "Space temporarily suspended",
            "This town’s participation space is suspended. Please contact the town hall with any question.",
        ),
    };
    let html = format!(
        "<!doctype html>\n<html lang=\"{tag}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title></head><body><main><h1>{title}</h1><p>{text}</p></main></body></html>\n",
        tag = lang.tag()
    );
    HttpResponse::ServiceUnavailable()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Retry-After", "3600"))
        .body(html)
}
