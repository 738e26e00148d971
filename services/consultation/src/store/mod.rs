//! Database access of consultations; every function takes the town's scope.
pub mod consultations;
pub mod questionnaires;
