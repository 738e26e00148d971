//! Sending deliveries and recording what happened.
use std::time::Instant;

use anyhow::Context;
use chrono::Utc;
use futures_util::{StreamExt, stream};
use sea_orm::EntityTrait;
use uuid::Uuid;

use crate::{
    backoff::retry_delay,
    compose::{MailPayload, compose},
    mailer::SendError,
    store::{self, AttemptResult},
    worker::Worker,
};

/// Sends each delivery of the batch, a few at a time; a delivery another worker
/// holds, or already sent, is skipped.
pub async fn send_batch(worker: &Worker, ids: &[Uuid]) -> anyhow::Result<()> {
    let results: Vec<anyhow::Result<()>> = stream::iter(ids.iter().copied())
        .map(|id| send_one(worker, id))
        .buffer_unordered(worker.settings.concurrency.max(1))
        .collect()
        .await;
    results.into_iter().collect()
}

async fn send_one(worker: &Worker, id: Uuid) -> anyhow::Result<()> {
    let now = Utc::now();
    if !store::lease(&worker.db, id, now, now + worker.settings.lease).await? {
        return Ok(());
    }
    let delivery = store::delivery(&worker.db, id).await?.context("leased delivery vanished")?;
    let event = store::event(&worker.db, delivery.event_id).await?.context("event of a delivery vanished")?;
    let town = match event.tenant_id {
        Some(tid) => entity::tenant::Entity::find_by_id(tid).one(&worker.db).await?,
        None => None,
    };
    let attempts = delivery.attempts + 1;
    let sent = match MailPayload::of(&event)
        .and_then(|payload| compose(&worker.config.mail_from, town.as_ref(), &payload, &delivery.recipient))
    {
        Ok(message) => {
            let started = Instant::now();
            let sent = worker.mailer.send(&message).await;
            worker
                .metrics
                .send_seconds
                .with_label_values(&["default"])
                .observe(started.elapsed().as_secs_f64());
            sent
        }
        Err(e) => Err(e),
    };
    let result = match sent {
        Ok(()) => AttemptResult::Sent,
        Err(SendError::Permanent(error)) => AttemptResult::Failed { error },
        Err(SendError::Transient(error)) if attempts as u32 >= worker.settings.max_attempts => {
            AttemptResult::Dead { error }
        }
        Err(SendError::Transient(error)) => {
            let delay = retry_delay(
                attempts as u32,
                worker.settings.retry_base,
                worker.settings.retry_cap,
                rand::random(),
            );
            AttemptResult::Retry { error, at: Utc::now() + delay }
        }
    };
    let label = match &result {
        AttemptResult::Sent => "sent",
        AttemptResult::Retry { .. } => {
            worker.metrics.retries.inc();
            "retry"
        }
        AttemptResult::Failed { .. } => "failed",
        AttemptResult::Dead { .. } => {
            worker.metrics.dead_letters.inc();
            "dead"
        }
    };
    worker.metrics.deliveries.with_label_values(&[label]).inc();
    if !matches!(result, AttemptResult::Sent) {
        tracing::info!(delivery_id = %id, attempts, outcome = label, "mail not sent");
    }
    store::record_attempt(&worker.db, id, attempts, &result).await.context("recording attempt")
}
