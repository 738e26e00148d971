//! Database access of consultations; every function takes the town's scope.
pub mod budgets;
pub mod citizens;
pub mod comments;
pub mod consultations;
pub mod exports;
pub mod kept_consultations;
pub mod latest;
pub mod proposals;
pub mod questionnaires;
pub mod responses;
pub mod results;
pub mod stats;

use common::TenantScope;
use entity::user;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, QueryFilter, QuerySelect, SqlErr};
use uuid::Uuid;

/// Why a once-per-citizen contribution (a response, a ballot) was not stored.
#[derive(Debug)]
pub enum NotStored {
    /// The citizen has one already: the unique constraint said so.
    AlreadyDone,
    Db(DbErr),
}

impl From<NotStored> for common::Problem {
    /// The citizen's second contribution is a 409 `already_responded`.
    fn from(e: NotStored) -> Self {
        match e {
            NotStored::AlreadyDone => {
                common::Problem::new(actix_web::http::StatusCode::CONFLICT, "already_responded")
            }
            NotStored::Db(e) => common::Problem::internal(e),
        }
    }
}

impl From<DbErr> for NotStored {
    fn from(e: DbErr) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => NotStored::AlreadyDone,
            _ => NotStored::Db(e),
        }
    }
}

/// Display names of `users`: one query.
pub async fn names(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    users: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<(Uuid, String)>, DbErr> {
    let mut ids: Vec<Uuid> = users.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    scope
        .find::<user::Entity>()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::DisplayName)
        .filter(user::Column::Id.is_in(ids))
        .into_tuple()
        .all(conn)
        .await
}
