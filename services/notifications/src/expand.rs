//! Event → one delivery per recipient, then send jobs for them.
use anyhow::Context;
use uuid::Uuid;

use entity::{outbox, tenant};
use sea_orm::EntityTrait;

use crate::{
    compose::MailPayload,
    store::{
        self,
        audience::{self, Took},
    },
    topics::{Timing, Topic},
    worker::Worker,
};

/// Deliveries created per statement (well under every backend's parameter limit).
const DELIVERIES_PER_INSERT: usize = 500;

/// Expands the event; running it again for the same event creates nothing new.
pub async fn expand_event(worker: &Worker, event_id: Uuid) -> anyhow::Result<()> {
    let Some(event) = store::event(&worker.db, event_id).await.context("loading event")? else {
        // The town was deleted with its events: nothing left to send.
        return Ok(());
    };
    if event.payload.get("mail").is_none() {
        // A domain event with nothing to mail (the mails it causes are events of their own).
        tracing::debug!(%event_id, kind = %event.kind, "event without a mail");
        store::mark_processed(&worker.db, event_id).await?;
        return Ok(());
    }
    let payload = match MailPayload::of(&event) {
        Ok(payload) => Some(payload),
        Err(e) => {
            tracing::error!(%event_id, error = %e, "event cannot be expanded");
            None
        }
    };
    let topic = payload.as_ref().and_then(|p| p.topic.as_deref()).and_then(Topic::parse);
    let town = event.tenant_id;
    let everyone = event.payload.pointer("/audience/everyone").and_then(|v| v.as_bool()) == Some(true);
    // A town's news counts against its monthly quota; account mail never does.
    let quota = match (town, topic) {
        (Some(town), Some(_)) => tenant::Entity::find_by_id(town)
            .one(&worker.db)
            .await?
            .and_then(|t| t.monthly_mail_quota)
            .map(|q| u64::try_from(q).unwrap_or(0)),
        _ => None,
    };
    match (payload, town, topic) {
        (Some(_), Some(town), Some(topic)) if everyone => {
            let of = |key: &str| {
                event
                    .payload
                    .pointer(&format!("/audience/{key}"))
                    .and_then(|v| v.as_str())
                    .and_then(|s| Uuid::parse_str(s).ok())
            };
            let took = match (of("participants_of"), of("not_participants_of")) {
                (Some(c), _) => Took::Part(c),
                (None, Some(c)) => Took::NoPart(c),
                (None, None) => Took::Anyone,
            };
            fan_out(worker, &event, Audience { town, topic, took }, quota).await?
        }
        (Some(payload), town, topic) => {
            let recipients = normalised(payload.recipients);
            // Sending starts with the first chunk while the rest are still being created.
            for chunk in recipients.chunks(DELIVERIES_PER_INSERT) {
                let chunk = match (town, topic) {
                    // A town's news goes only to those who want it now.
                    (Some(town), Some(topic)) => {
                        audience::wanting_now(&worker.db, town, topic, chunk).await?
                    }
                    _ => chunk.to_vec(),
                };
                deliver_to(worker, &event, &chunk, quota).await?;
            }
        }
        (None, _, _) => {}
    }
    if event.processed_at.is_some() {
        // A replay: whatever is still queued goes on the queue again.
        let queued = store::queued_for_event(&worker.db, event_id).await?;
        worker.publish_sends(&queued).await?;
    }
    store::mark_processed(&worker.db, event_id).await?;
    Ok(())
}

/// Creates and queues the deliveries; beyond the town's monthly `quota`, the
/// rest are recorded as `over_quota` and not sent.
async fn deliver_to(
    worker: &Worker,
    event: &outbox::Model,
    recipients: &[String],
    quota: Option<u64>,
) -> anyhow::Result<()> {
    let (now, over) = match (quota, event.tenant_id) {
        (Some(quota), Some(town)) => {
            let used = store::made_this_month(&worker.db, town).await?;
            let room =
                usize::try_from(quota.saturating_sub(used)).unwrap_or(usize::MAX).min(recipients.len());
            recipients.split_at(room)
        }
        _ => (recipients, &[][..]),
    };
    if !over.is_empty() {
        tracing::warn!(event_id = %event.id, held = over.len(), "town over its monthly mail quota");
        store::insert_closed_deliveries(&worker.db, event, over, store::status::OVER_QUOTA).await?;
    }
    let ids = store::insert_deliveries(&worker.db, event, now).await.context("creating deliveries")?;
    worker.publish_sends(&ids).await
}

/// Every citizen who wants `topic` now and every confirmed subscriber, read
/// from the database a batch at a time in address order: memory stays flat
/// whatever the town's size, and a replay recreates nothing (one delivery per
/// event and address).
/// Who an event for everyone reaches.
struct Audience {
    town: Uuid,
    topic: Topic,
    /// Those who took part in a consultation, or not, or anyone.
    took: Took,
}

async fn fan_out(
    worker: &Worker,
    event: &outbox::Model,
    to: Audience,
    quota: Option<u64>,
) -> anyhow::Result<()> {
    let Audience { town, topic, took } = to;
    let mut after = String::new();
    loop {
        let batch = audience::citizens_after(
            &worker.db,
            town,
            topic,
            Timing::Immediate,
            took,
            &after,
            DELIVERIES_PER_INSERT as u64,
        )
        .await?;
        let Some(last) = batch.last().cloned() else { break };
        deliver_to(worker, event, &batch, quota).await?;
        after = last;
    }
    // Subscribers have no account, so they take part in nothing: news for
    // participants is not for them.
    let for_subscribers = matches!(topic, Topic::NewConsultations | Topic::Announcements);
    if for_subscribers && !matches!(took, Took::Part(_)) {
        let mut after = String::new();
        loop {
            let batch =
                audience::subscribers_after(&worker.db, town, topic, &after, DELIVERIES_PER_INSERT as u64)
                    .await?;
            let Some(last) = batch.last().cloned() else { break };
            deliver_to(worker, event, &batch, quota).await?;
            after = last;
        }
    }
    Ok(())
}

/// Trimmed, lower-cased, each address once.
fn normalised(recipients: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    recipients
        .into_iter()
        .map(|r| r.trim().to_lowercase())
        .filter(|r| !r.is_empty() && seen.insert(r.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_delivery_per_address_whatever_its_case() {
        let got = normalised(vec![
            " Marie@Example.fr".into(),
            "marie@example.fr".into(),
            "".into(),
            "paul@example.fr".into(),
        ]);
        assert_eq!(got, ["marie@example.fr", "paul@example.fr"]);
    }
}
