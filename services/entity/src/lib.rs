//! sea-orm entities shared by the services, one module a table.
pub mod answer;
pub mod audit_log;
pub mod ballot;
pub mod ballot_item;
pub mod comment;
pub mod comment_report;
pub mod commune;
pub mod consultation;
pub mod delivery;
pub mod membership;
pub mod one_time_token;
pub mod outbox;
pub mod project;
pub mod proposal;
pub mod question;
pub mod question_option;
pub mod refresh_token;
pub mod response;
pub mod support;
pub mod tenant;
pub mod tenant_domain;
pub mod tenant_owned;
pub mod user;

pub use tenant_owned::TenantOwned;
