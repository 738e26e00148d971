//! End-to-end journeys against a running app (one binary, modules by theme).
mod auth_citizen;
mod auth_limits;
mod auth_links;
mod auth_tokens;
mod communes;
mod hosts;
mod mail;
mod mail_relay;
mod mail_store;
mod mail_tls;
mod migrations;
mod operations;
mod problems;
mod support;
mod tenant_scope;
mod town_data;
mod town_lifecycle;
