//! Consultations: questionnaires, idea boxes, participatory budgets, comments, moderation, results.
use actix_web::web;
use common::server::ServiceSpec;
use utoipa::OpenApi;

/// This service, as the binaries mount it.
pub const SERVICE: ServiceSpec = ServiceSpec { name: "consultation", configure, openapi, background: None };

/// Registers the service's routes; its health routes come with every server.
pub fn configure(_cfg: &mut web::ServiceConfig) {}

/// The service's part of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

#[derive(OpenApi)]
#[openapi()]
struct ApiDoc;
