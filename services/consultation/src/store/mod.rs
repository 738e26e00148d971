//! Database access of consultations; every function takes the town's scope.
pub mod budgets;
pub mod comments;
pub mod consultations;
pub mod exports;
pub mod latest;
pub mod proposals;
pub mod questionnaires;
pub mod results;
pub mod stats;

use sea_orm::{DbErr, SqlErr};

/// Why a once-per-citizen contribution (a response, a ballot) was not stored.
#[derive(Debug)]
pub enum NotStored {
    /// The citizen has one already: the unique constraint said so.
    AlreadyDone,
    Db(DbErr),
}

impl From<DbErr> for NotStored {
    fn from(e: DbErr) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => NotStored::AlreadyDone,
            _ => NotStored::Db(e),
        }
    }
}
