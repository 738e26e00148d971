//! HTTP routes of the auth service, one module per resource.
pub mod account;
pub mod browser_session;
pub mod communes;
pub mod invitations;
pub mod jwks;
pub mod links;
pub mod operator;
pub mod operator_audit;
pub mod operator_data;
pub mod operator_domains;
pub mod operator_quota;
pub mod operator_towns;
pub mod privacy;
pub mod profile;
pub mod session;
pub mod signup;
pub mod town_settings;
