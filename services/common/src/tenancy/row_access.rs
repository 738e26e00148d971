//! PostgreSQL row-level security: whose rows a pooled connection may see.
//!
//! Every connection is bound when the pool hands it out, from the access of
//! the task asking for it: a town's request sees that town's rows only, even
//! through a query that forgot its `TenantScope`. Work that spans towns (the
//! platform host, the mail worker, the command line) sees them all.
use std::future::Future;

use sea_orm::sqlx::{self, PgConnection};
use uuid::Uuid;

tokio::task_local! {
    static ACCESS: RowAccess;
}

/// Which towns' rows the current task's queries reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowAccess {
    /// One town's rows only (a request on a town's host).
    Town(Uuid),
    /// Every town's rows (the platform host, workers, commands).
    AllTowns,
}

impl RowAccess {
    /// The access of the running task; outside any request, every town.
    pub fn current() -> RowAccess {
        ACCESS.try_with(|access| *access).unwrap_or(RowAccess::AllTowns)
    }

    /// Runs `work` with this access; tasks it spawns must be wrapped again.
    pub async fn run<F: Future>(self, work: F) -> F::Output {
        ACCESS.scope(self, work).await
    }

    /// The two settings the row-level security policies read.
    fn settings(self) -> (String, &'static str) {
        match self {
            RowAccess::Town(id) => (id.to_string(), "off"),
            RowAccess::AllTowns => (String::new(), "on"),
        }
    }
}

/// Binds `conn` to the current task's access. Run on every checkout, it also
/// proves the connection alive (it replaces the pool's ping).
pub(crate) async fn bind(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    let (town, all_towns) = RowAccess::current().settings();
    sqlx::query("SELECT set_config('app.tenant_id', $1, false), set_config('app.all_towns', $2, false)")
        .bind(town)
        .bind(all_towns)
        .execute(conn)
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn outside_a_request_every_town_is_reached() {
        assert_eq!(RowAccess::current(), RowAccess::AllTowns);
        assert_eq!(RowAccess::current().settings(), (String::new(), "on"));
    }

    #[tokio::test]
    async fn a_town_scope_holds_across_awaits_and_ends_with_its_work() {
        let town = Uuid::new_v4();
        let seen = RowAccess::Town(town)
            .run(async {
                tokio::task::yield_now().await;
                RowAccess::current()
            })
            .await;
        assert_eq!(seen, RowAccess::Town(town));
        assert_eq!(RowAccess::Town(town).settings(), (town.to_string(), "off"));
        assert_eq!(RowAccess::current(), RowAccess::AllTowns);
    }

    #[tokio::test]
    async fn a_spawned_task_does_not_inherit_the_scope_unless_wrapped() {
        let town = Uuid::new_v4();
        let (bare, wrapped) = RowAccess::Town(town)
            .run(async {
                let access = RowAccess::current();
                let bare = tokio::spawn(async { RowAccess::current() });
                let wrapped = tokio::spawn(access.run(async { RowAccess::current() }));
                (bare.await, wrapped.await)
            })
            .await;
        assert_eq!(bare.ok(), Some(RowAccess::AllTowns));
        assert_eq!(wrapped.ok(), Some(RowAccess::Town(town)));
    }
}
