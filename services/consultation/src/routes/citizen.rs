//! Who may take part: a citizen of this town whose address is verified.
use actix_web::http::StatusCode;
use common::{AppState, Problem, Town, auth::Principal};
use entity::user;

use crate::store::citizens;

/// The caller's account if its address is verified; 403 `email_unverified` otherwise.
pub async fn verified(state: &AppState, town: &Town, principal: &Principal) -> Result<user::Model, Problem> {
    citizens::verified_account(&state.db, town.scope(), principal.user_id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::new(StatusCode::FORBIDDEN, "email_unverified"))
}
