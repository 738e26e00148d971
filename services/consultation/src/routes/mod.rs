//! HTTP routes of consultations, one module per concern.
pub mod budget;
pub mod citizen;
pub mod dto;
pub mod manage;
pub mod proposals;
pub mod questionnaire;
pub mod read;
