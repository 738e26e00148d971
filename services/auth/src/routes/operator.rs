//! What every operator route starts with: an operator on the platform host.
use actix_web::{HttpRequest, http::StatusCode};
use common::{AppState, Problem, audit::Actor, auth::Principal};

use crate::{domain::realm::Realm, store::accounts};

/// The acting operator, as the audit log names them; 403 for anyone else.
pub async fn operator(req: &HttpRequest, principal: &Principal, state: &AppState) -> Result<Actor, Problem> {
    principal.require_operator()?;
    let user = accounts::by_id(&state.db, Realm::Platform, principal.user_id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(common::auth::unauthenticated)?;
    Ok(Actor::of(req, principal, &user.email))
}

/// 409 `conflict`: the town is not in a state this action applies to.
pub fn wrong_state() -> Problem {
    Problem::new(StatusCode::CONFLICT, "conflict").with_detail(common::i18n::Text::fixed(
        "La commune n’est pas dans un état qui permet cette action.",
        "The town is not in a state that allows this action.",
    ))
}
