//! What every service shares: configuration, tenancy, problem+json errors,
//! database access, telemetry, metrics, health and the HTTP server itself.
pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod health;
pub mod http;
pub mod i18n;
pub mod listen;
pub mod markdown;
pub mod memory;
pub mod metrics;
pub mod openapi;
pub mod operator_cli;
pub mod outbox;
pub mod page;
pub mod paging;
pub mod participation;
pub mod problem;
pub mod rate_limit;
pub mod server;
pub mod signing;
pub mod spreadsheet;
pub mod state;
pub mod telemetry;
pub mod tenancy;
pub mod web;

pub use problem::Problem;
pub use state::AppState;
pub use tenancy::{Site, TenantScope, Town};
