//! Accounts, sessions, town signup and the operator console.
use actix_web::web;
use common::server::ServiceSpec;
use utoipa::OpenApi;

pub mod domain;
pub mod routes;
pub mod store;

/// This service, as the binaries mount it.
pub const SERVICE: ServiceSpec = ServiceSpec { name: "auth", configure, openapi, background: None };

/// Registers the service's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    routes::communes::configure(cfg);
}

/// The service's part of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

#[derive(OpenApi)]
#[openapi(
    paths(routes::communes::search, routes::communes::get),
    components(schemas(routes::communes::CommuneDto))
)]
struct ApiDoc;
