//! Every process forgets its cached hosts when a town changes anywhere: the
//! process that made the change says so on PostgreSQL's `towns_changed`
//! channel, and each process listens. SQLite runs as one process, so
//! forgetting locally is enough there.
use sea_orm::{ConnectionTrait, DbBackend};
use tokio_util::sync::CancellationToken;

use super::SiteResolver;

/// The channel a change to a town's status, name, logo or domains is told on.
const CHANNEL: &str = "towns_changed";

impl SiteResolver {
    /// Forgets every cached host here and in every other process.
    pub async fn forget_everywhere(&self) {
        self.invalidate_all();
        if self.db.get_database_backend() == DbBackend::Postgres
            && let Err(e) = self.db.execute_unprepared(&format!("NOTIFY {CHANNEL}")).await
        {
            tracing::warn!(error = %e, "other processes not told of a town's change; their cache lapses in time");
        }
    }

    /// On PostgreSQL, forgets the cache whenever another process changes a town, until `stop`.
    pub fn follow_changes(&self, stop: CancellationToken) {
        if self.db.get_database_backend() != DbBackend::Postgres {
            return;
        }
        let resolver = self.clone();
        let pool = self.db.get_postgres_connection_pool().clone();
        // On reconnection too: a change may have gone by while nobody listened.
        crate::listen::follow(pool, CHANNEL, "host cache", stop, move |_| resolver.invalidate_all());
    }
}
