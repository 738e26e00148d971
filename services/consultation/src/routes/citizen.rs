//! Who may take part: a citizen of this town whose address is verified.
use actix_web::http::StatusCode;
use common::{AppState, Problem, Town, auth::Principal};
use entity::user;
use sea_orm::{ColumnTrait, QueryFilter};

/// The caller's account if its address is verified; 403 `email_unverified` otherwise.
pub async fn verified(state: &AppState, town: &Town, principal: &Principal) -> Result<user::Model, Problem> {
    town.scope()
        .find::<user::Entity>()
        .filter(user::Column::Id.eq(principal.user_id))
        .filter(user::Column::EmailVerifiedAt.is_not_null())
        .one(&state.db)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::new(StatusCode::FORBIDDEN, "email_unverified"))
}
