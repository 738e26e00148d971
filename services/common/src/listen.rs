//! Following a PostgreSQL `LISTEN` channel for as long as the process runs:
//! the connection is opened again after any failure, and the follower is told
//! of each reconnection, since notices sent meanwhile are lost.
use std::{convert::Infallible, time::Duration};

use sea_orm::sqlx::{PgPool, postgres::PgListener};
use tokio_util::sync::CancellationToken;

/// Calls `on_notice(Some(payload))` for each notice on `channel`, and
/// `on_notice(None)` each time listening (re)starts, until `stop`.
/// `what` names the follower in the log.
pub fn follow(
    pool: PgPool,
    channel: &'static str,
    what: &'static str,
    stop: CancellationToken,
    mut on_notice: impl FnMut(Option<&str>) + Send + 'static,
) {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                Err(e) = listen(&pool, channel, &mut on_notice) => {
                    tracing::warn!(error = %e, channel, "{what}: not listening; again in a second");
                }
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
    });
}

async fn listen(
    pool: &PgPool,
    channel: &str,
    on_notice: &mut (impl FnMut(Option<&str>) + Send),
) -> Result<Infallible, sea_orm::sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(channel).await?;
    on_notice(None);
    loop {
        let notice = listener.recv().await?;
        on_notice(Some(notice.payload()));
    }
}
