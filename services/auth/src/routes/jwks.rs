//! The public keys access tokens are verified with.
use actix_web::{HttpResponse, web};
use common::AppState;

/// Registers `/.well-known/jwks.json` (no API prefix).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/.well-known/jwks.json", web::get().to(jwks));
}

/// Every key a token of this installation may be signed with, by `kid`.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "auth", responses((status = 200, description = "JWK set")))]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().insert_header(("Cache-Control", "public, max-age=300")).json(state.jwt.jwks())
}
