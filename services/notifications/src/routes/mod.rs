//! HTTP routes of the notifications service.
pub mod dev_mail;
