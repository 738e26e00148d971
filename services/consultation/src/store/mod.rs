//! Database access of consultations; every function takes the town's scope.
pub mod budgets;
pub mod consultations;
pub mod proposals;
pub mod questionnaires;
