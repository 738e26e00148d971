//! Types and rules of consultations, without I/O.
pub mod budget;
pub mod comment;
pub mod consultation;
pub mod export;
pub mod proposal;
pub mod questionnaire;
pub mod results;
pub mod status;
