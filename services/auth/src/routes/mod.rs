//! HTTP routes of the auth service, one module per resource.
pub mod communes;
