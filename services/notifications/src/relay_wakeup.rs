//! Wakes the relay the moment an outbox event commits, through PostgreSQL's
//! `LISTEN`; polling stays as the fallback (a lost connection, SQLite).
use std::{convert::Infallible, sync::Arc, time::Duration};

use common::outbox::COMMITTED_CHANNEL;
use sea_orm::{
    DatabaseConnection, DbBackend,
    sqlx::{PgPool, postgres::PgListener},
};
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
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                Err(e) = listen(&pool, &signal) => {
                    tracing::warn!(error = %e, "not told of outbox commits; polling meanwhile");
                }
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
    });
    Some(wake)
}

/// Signals every commit notice until the connection fails.
async fn listen(pool: &PgPool, signal: &Notify) -> Result<Infallible, sea_orm::sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(COMMITTED_CHANNEL).await?;
    // Whatever committed while nobody listened is picked up at once.
    signal.notify_one();
    loop {
        listener.recv().await?;
        signal.notify_one();
    }
}
