//! How soon a running worker hands a committed event to the queue.
use std::{sync::Arc, time::Duration};

use notifications::queue::MemoryQueue;
use participation_tests::{smtp::SmtpSink, spawn_app};
use sea_orm::DbBackend;
use tokio_util::sync::CancellationToken;

use crate::mail::{event, record, worker};

#[tokio::test]
async fn a_running_worker_relays_a_commit_without_waiting_for_its_poll() {
    let app = spawn_app().await;
    let sink = SmtpSink::start().await;
    let mut w = worker(&app, &sink, Arc::new(MemoryQueue::new()));
    // PostgreSQL tells the relay of each commit, so its next poll may be an hour
    // away; SQLite has only the poll.
    let postgres = app.db().get_database_backend() == DbBackend::Postgres;
    w.settings.relay_every = if postgres { Duration::from_secs(3600) } else { Duration::from_millis(100) };
    let stop = CancellationToken::new();
    let running = tokio::spawn(w.clone().run_until_stopped(stop.clone()));
    // The relay's first pass has found nothing by then.
    tokio::time::sleep(Duration::from_millis(300)).await;

    record(&app, None, event(&["marie@example.fr"], "Tout de suite")).await;
    sink.wait_for(1, Duration::from_secs(10)).await;
    stop.cancel();
    running.await.unwrap();
}
