//! HTTP routes of the notifications service.
pub mod announcements;
pub mod branding;
pub mod deliveries;
pub mod dev_mail;
pub mod preferences;
pub mod subscriptions;
pub mod unsubscribe;
