//! The middleware that resolves every request's host before routing.
use actix_web::{
    Error, HttpMessage, ResponseError,
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::header,
    middleware::Next,
    web,
};

use super::{RowAccess, Site};
use crate::{health, i18n::Text, problem::Problem, state::AppState};

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
            let access = match &site {
                Site::Town(town) => {
                    tracing::Span::current().record("tenant_id", tracing::field::display(town.id));
                    RowAccess::Town(town.id)
                }
                Site::Platform => RowAccess::AllTowns,
            };
            let town = match &site {
                Site::Town(town) => Some(town.id),
                Site::Platform => None,
            };
            let writes = !req.method().is_safe();
            req.extensions_mut().insert(site);
            let res = access.run(next.call(req)).await?;
            // Bad input changes nothing, so only a write that went through
            // makes what is kept of the town's pages out of date, unless its
            // route says it changes no page.
            let went_through = !res.status().is_client_error() && !res.status().is_server_error();
            if writes
                && went_through
                && !res.request().extensions().contains::<super::revisions::ChangesNoPage>()
            {
                super::revisions::written(town);
            }
            Ok(res.map_into_boxed_body())
        }
        // Browsers get the shared error page (the outer layer renders it in
        // their language); everyone is told when to come back.
        Err(problem) if problem.code() == "tenant_suspended" => {
            let problem = problem.with_detail(Text::fixed(
                "L’espace de participation de cette commune est suspendu. Pour toute question, contactez votre mairie.",
                "This town’s participation space is suspended. Please contact the town hall with any question.",
            ));
            let mut res = problem.error_response();
            res.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("3600"));
            Ok(req.into_response(res))
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
