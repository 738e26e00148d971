//! Changing one's own profile: the name shown with one's contributions.
use actix_web::{HttpResponse, web};
use common::{AppState, Problem, Site, auth::Principal, problem::FieldError};
use serde::Deserialize;

use crate::{domain::display_name::DisplayName, domain::realm::Realm, routes::account, store::accounts};

/// Registers the profile route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/me", web::patch().to(update));
}

/// What one may change about oneself.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ProfileBody {
    display_name: String,
}

/// Changes the caller's display name; answers the profile as `GET /me` does.
#[utoipa::path(patch, path = "/api/v1/me", tag = "auth", request_body = ProfileBody,
    responses((status = 200, body = account::MeDto), (status = 400, description = "validation_failed"), (status = 401, description = "unauthenticated")))]
pub async fn update(
    site: Site,
    principal: Principal,
    state: web::Data<AppState>,
    body: web::Json<ProfileBody>,
) -> Result<HttpResponse, Problem> {
    let name = DisplayName::parse(&body.display_name)
        .map_err(|e| Problem::validation(vec![FieldError::new("display_name", e.message())]))?;
    accounts::set_display_name(&state.db, Realm::of(&site), principal.user_id, &name)
        .await
        .map_err(Problem::internal)?;
    account::me(site, principal, state).await
}
