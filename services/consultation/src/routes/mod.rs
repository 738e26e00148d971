//! HTTP routes of consultations, one module per concern.
pub mod access;
pub mod budget;
pub mod citizen;
pub mod comments;
pub mod dto;
pub mod exports;
pub mod manage;
pub mod moderation;
pub mod proposals;
pub mod questionnaire;
pub mod read;
pub mod results;
pub mod stats;
