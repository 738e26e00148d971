//! HTTP routes of the auth service, one module per resource.
pub mod account;
pub mod communes;
pub mod jwks;
pub mod links;
pub mod session;
