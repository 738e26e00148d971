//! The mail worker: relays the outbox to the queue, expands events into
//! deliveries, sends them, and sweeps up whatever a crash or a lost queue left.
use std::{sync::Arc, time::Duration};

use common::config::{Config, DatabaseKind};
use sea_orm::DatabaseConnection;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::{
    deliver::{self, PreparedCache},
    expand,
    job::Job,
    mailer::Mailer,
    metrics::MailMetrics,
    queue::{JobQueue, Received},
    store,
};

/// Outbox events moved to the queue per transaction.
const RELAY_BATCH: u64 = 200;

/// Tunables of the worker.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Jobs taken from the queue at once.
    pub jobs_per_receive: usize,
    /// Deliveries per send job.
    pub deliveries_per_job: usize,
    /// Messages being sent at the same time by this worker.
    pub concurrency: usize,
    /// How long a worker holds a delivery it is sending.
    pub lease: Duration,
    pub retry_base: Duration,
    pub retry_cap: Duration,
    /// Attempts after which a transiently failing delivery is dead.
    pub max_attempts: u32,
    /// A job not handled in this time is put on the queue again by the sweep.
    pub requeue_after: Duration,
    pub receive_wait: Duration,
    /// Polling period of the relay when nothing wakes it earlier.
    pub relay_every: Duration,
    pub sweep_every: Duration,
    /// How often scheduled work (closing reminders, weekly digests, forgetting
    /// unconfirmed subscriptions) is looked for.
    pub schedule_every: Duration,
}

impl WorkerSettings {
    /// Defaults for production, with the attempt limit from the configuration.
    pub fn from_config(config: &Config) -> Self {
        let visibility = Duration::from_secs(config.mail_visibility_timeout_secs.into());
        WorkerSettings {
            jobs_per_receive: 4,
            // Fewer, larger batches: each costs a lease and a mark in the database.
            deliveries_per_job: 100,
            // Below the SMTP pool size: lettre parks a connection asynchronously after
            // each send, and a busier worker would open extra ones meanwhile.
            concurrency: 4,
            lease: visibility,
            retry_base: Duration::from_secs(30),
            retry_cap: Duration::from_secs(3600),
            max_attempts: config.mail_max_attempts,
            requeue_after: visibility,
            receive_wait: Duration::from_secs(1),
            // Only a fallback on PostgreSQL, which wakes the relay at each commit.
            relay_every: match config.database_kind {
                DatabaseKind::Postgres => Duration::from_secs(2),
                // A local file: a poll costs tens of microseconds.
                DatabaseKind::Sqlite => Duration::from_millis(50),
            },
            sweep_every: (visibility / 4).clamp(Duration::from_millis(500), Duration::from_secs(5)),
            schedule_every: Duration::from_secs(60),
        }
    }
}

/// What one step of the worker found to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    EmptyQueue,
    TaskCompleted { jobs: usize },
}

/// Everything a worker needs; cheap to clone.
#[derive(Clone)]
pub struct Worker {
    pub db: DatabaseConnection,
    pub queue: Arc<dyn JobQueue>,
    pub mailer: Arc<dyn Mailer>,
    pub config: Arc<Config>,
    pub signing_key: common::signing::SigningKey,
    pub settings: WorkerSettings,
    pub metrics: MailMetrics,
    /// Events already rendered by this worker.
    pub prepared: PreparedCache,
}

impl Worker {
    /// Moves committed outbox events to the queue; returns how many.
    pub async fn relay_once(&self) -> anyhow::Result<usize> {
        let queue = self.queue.clone();
        store::relay_batch(&self.db, RELAY_BATCH, |ids| async move {
            let jobs: Vec<Job> = ids.into_iter().map(|event_id| Job::Expand { event_id }).collect();
            queue.publish(&jobs).await.map_err(anyhow::Error::from)
        })
        .await
    }

    /// Relays whenever an event commits (PostgreSQL tells), and at least every
    /// `relay_every`; a full batch is followed by the next at once.
    async fn relay_until_stopped(self, stop: CancellationToken) {
        let wake = crate::relay_wakeup::spawn(&self.db, stop.clone());
        loop {
            match self.relay_once().await {
                Ok(n) if n >= RELAY_BATCH as usize => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = format!("{e:#}"), "outbox relay failed"),
            }
            let woken = async {
                match &wake {
                    Some(wake) => wake.notified().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = woken => {}
                _ = tokio::time::sleep(self.settings.relay_every) => {}
            }
        }
    }

    /// Takes a few jobs from the queue and handles them; a job is acknowledged
    /// only once handled, so a crash leaves it for another worker.
    pub async fn try_execute_task(&self) -> anyhow::Result<Outcome> {
        let received = self.queue.receive(self.settings.jobs_per_receive, self.settings.receive_wait).await?;
        if received.is_empty() {
            return Ok(Outcome::EmptyQueue);
        }
        let jobs = received.len();
        // The jobs in hand are handled side by side; the mailer caps the connections.
        let handled =
            futures_util::future::join_all(received.into_iter().map(|item| self.handle(item))).await;
        handled.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
        Ok(Outcome::TaskCompleted { jobs })
    }

    /// Handles one job and acknowledges it; a job that fails stays unacknowledged
    /// and comes back after the visibility timeout. Errs only if the queue does.
    async fn handle(&self, item: Received) -> anyhow::Result<()> {
        let handled = match &item.job {
            Job::Expand { event_id } => expand::expand_event(self, *event_id).await,
            Job::Send { delivery_ids } => deliver::send_batch(self, delivery_ids).await,
        };
        match handled {
            Ok(()) => self.queue.ack(&item.receipt).await?,
            Err(e) => {
                tracing::warn!(error = format!("{e:#}"), job = ?item.job, "job failed, will be retried")
            }
        }
        Ok(())
    }

    /// Queues again what is due but not on the queue: retries that came due,
    /// jobs lost with Redis, events relayed but never expanded.
    pub async fn sweep_once(&self) -> anyhow::Result<usize> {
        let now = chrono::Utc::now();
        let stale_before = now - self.settings.requeue_after;
        let events = store::stalled_events(&self.db, stale_before, 500).await?;
        if !events.is_empty() {
            let jobs: Vec<Job> = events.iter().map(|&event_id| Job::Expand { event_id }).collect();
            self.queue.publish(&jobs).await?;
            store::mark_relayed(&self.db, &events, now).await?;
        }
        let due = store::due_deliveries(&self.db, now, stale_before, 10_000).await?;
        if !due.is_empty() {
            self.enqueue_deliveries(&due).await?;
        }
        if let Ok(depth) = self.queue.depth().await {
            self.metrics.queue_depth.set(depth as i64);
        }
        Ok(events.len() + due.len())
    }

    /// Puts send jobs for `ids` on the queue, in batches. The rows are marked
    /// first: a worker taking the job at once must find them unlocked (it skips
    /// locked rows), and its record of the attempt must not be overwritten by
    /// a late mark. Marked but never published, they come back after the
    /// visibility timeout, like a lost job.
    pub async fn enqueue_deliveries(&self, ids: &[uuid::Uuid]) -> anyhow::Result<()> {
        store::mark_enqueued(&self.db, ids, chrono::Utc::now()).await?;
        self.publish_sends(ids).await
    }

    /// Puts send jobs for `ids` on the queue, in batches, without noting it
    /// (deliveries just created are born enqueued).
    pub async fn publish_sends(&self, ids: &[uuid::Uuid]) -> anyhow::Result<()> {
        let jobs: Vec<Job> = ids
            .chunks(self.settings.deliveries_per_job)
            .map(|chunk| Job::Send { delivery_ids: chunk.to_vec() })
            .collect();
        if !jobs.is_empty() {
            self.queue.publish(&jobs).await?;
        }
        Ok(())
    }

    /// Runs relay, sweep and consumer loops until `stop` is cancelled; the job in
    /// hand is finished before returning.
    pub async fn run_until_stopped(self, stop: CancellationToken) {
        let relay = tokio::spawn(self.clone().relay_until_stopped(stop.clone()));
        let sweep = tokio::spawn(every(self.settings.sweep_every, stop.clone(), {
            let w = self.clone();
            move || {
                let w = w.clone();
                async move { w.sweep_once().await.map(|_| ()) }
            }
        }));
        let schedule = tokio::spawn(every(self.settings.schedule_every, stop.clone(), {
            let w = self.clone();
            move || {
                let w = w.clone();
                async move {
                    let now = chrono::Utc::now();
                    crate::reminders::remind_closing(&w, now).await?;
                    crate::store::subscriptions::forget_unconfirmed(&w.db, now).await?;
                    crate::digest::schedule(&w, now).await.map(|_| ())
                }
            }
        }));
        // Up to `jobs_per_receive` jobs in flight; a free slot takes the next job at
        // once, rather than waiting for the slowest job of a round.
        let slots = Arc::new(Semaphore::new(self.settings.jobs_per_receive));
        while !stop.is_cancelled() {
            let Ok(first) = slots.clone().acquire_owned().await else { break };
            let free = 1 + slots.available_permits();
            let received = tokio::select! {
                _ = stop.cancelled() => break,
                received = self.queue.receive(free, self.settings.receive_wait) => received,
            };
            let mut first = Some(first);
            match received {
                Ok(items) => {
                    for item in items {
                        let permit = match first.take() {
                            Some(p) => p,
                            None => match slots.clone().acquire_owned().await {
                                Ok(p) => p,
                                Err(_) => break,
                            },
                        };
                        let worker = self.clone();
                        tokio::spawn(async move {
                            if let Err(e) = worker.handle(item).await {
                                tracing::warn!(error = format!("{e:#}"), "cannot acknowledge a mail job");
                            }
                            drop(permit);
                        });
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "mail queue unavailable");
                    tokio::select! {
                        _ = stop.cancelled() => {}
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
            }
        }
        // Graceful stop: the jobs in hand finish (or stay unacknowledged for another worker).
        let _ = slots.acquire_many(self.settings.jobs_per_receive as u32).await;
        let _ = tokio::join!(relay, sweep, schedule);
    }
}

async fn every<F, Fut>(period: Duration, stop: CancellationToken, step: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let mut ticker = tokio::time::interval(period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = ticker.tick() => {
                if let Err(e) = step().await {
                    tracing::warn!(error = format!("{e:#}"), "mail pipeline step failed");
                }
            }
        }
    }
}
