//! `AUTH_RATE_LIMIT` applied per client address and per account.
use actix_web::HttpRequest;
use common::{AppState, Problem};

use crate::domain::realm::Realm;

/// Counts one attempt at `action` from this client and, when an address is
/// given, against that account; 429 once either is over the limit.
pub async fn check(
    req: &HttpRequest,
    state: &AppState,
    action: &str,
    realm: Realm,
    email: Option<&str>,
) -> Result<(), Problem> {
    // The peer address: behind a proxy, the proxy's own. Forwarded headers
    // are not trusted, since any client can write them.
    let ip = req.peer_addr().map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string());
    let mut keys = vec![format!("{action}:ip:{ip}")];
    if let Some(email) = email {
        let town = realm.tenant_id().map_or_else(|| "platform".to_owned(), |id| id.to_string());
        keys.push(format!("{action}:account:{town}:{}", email.trim().to_lowercase()));
    }
    state.auth_rate_limit.check(&keys).await
}
