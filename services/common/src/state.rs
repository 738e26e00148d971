//! What every handler can reach: configuration, database, Redis, resolver, metrics.
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::{
    auth::JwtKeys, config::Config, metrics::Metrics, rate_limit::RateLimiter, signing::SigningKey,
    tenancy::SiteResolver,
};

/// Shared, cheap-to-clone application state.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: DatabaseConnection,
    /// Present when `REDIS_URL` is set.
    pub redis: Option<redis::aio::ConnectionManager>,
    pub resolver: SiteResolver,
    pub metrics: Metrics,
    /// Signs links sent by e-mail.
    pub signing_key: SigningKey,
    /// Signs and verifies access tokens.
    pub jwt: Arc<JwtKeys>,
    /// `AUTH_RATE_LIMIT` on login, registration, links and signup.
    pub auth_rate_limit: RateLimiter,
}
