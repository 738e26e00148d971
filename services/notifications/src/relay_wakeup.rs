//! Wakes the relay the moment an outbox event commits, through PostgreSQL's
//! `LISTEN`; polling stays as the fallback (a lost connection, SQLite).
use std::sync::Arc;

use common::outbox::COMMITTED_CHANNEL;
use sea_orm::{DatabaseConnection, DbBackend};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Starts listening if the database can tell of commits, and returns what the
/// relay waits on; `None` on SQLite, where the relay only polls.
pub fn spawn(db: &DatabaseConnection, stop: CancellationToken) -> Option<Arc<Notify>> {
    if db.get_database_backend() != DbBackend::Postgres {
        return None;
    }
    let pool = db.get_postgres_connection_pool().clone();
    let wake = Arc::new(Notify::new());
    let signal = wake.clone();
    // On reconnection too: whatever committed while nobody listened is picked up at once.
    common::listen::follow(pool, COMMITTED_CHANNEL, "relay", stop, move |_| signal.notify_one());
    Some(wake)
}
