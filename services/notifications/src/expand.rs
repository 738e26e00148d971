//! Event → one delivery per recipient, then send jobs for them.
use anyhow::Context;
use uuid::Uuid;

use crate::{compose::MailPayload, store, worker::Worker};

/// Deliveries created per statement (well under every backend's parameter limit).
const DELIVERIES_PER_INSERT: usize = 500;

/// Expands the event; running it again for the same event creates nothing new.
pub async fn expand_event(worker: &Worker, event_id: Uuid) -> anyhow::Result<()> {
    let Some(event) = store::event(&worker.db, event_id).await.context("loading event")? else {
        // The town was deleted with its events: nothing left to send.
        return Ok(());
    };
    if event.payload.get("mail").is_none() {
        // A domain event (a consultation published…): nothing to mail from it
        // directly; its subscribers' notices are computed from it elsewhere.
        tracing::debug!(%event_id, kind = %event.kind, "event without a mail");
        store::mark_processed(&worker.db, event_id).await?;
        return Ok(());
    }
    let recipients = match MailPayload::of(&event) {
        Ok(payload) => normalised(payload.recipients),
        Err(e) => {
            tracing::error!(%event_id, error = %e, "event cannot be expanded");
            Vec::new()
        }
    };
    // Sending starts with the first chunk while the rest are still being created.
    for chunk in recipients.chunks(DELIVERIES_PER_INSERT) {
        let ids = store::insert_deliveries(&worker.db, &event, chunk).await.context("creating deliveries")?;
        worker.publish_sends(&ids).await?;
    }
    if event.processed_at.is_some() {
        // A replay: whatever is still queued goes on the queue again.
        let queued = store::queued_for_event(&worker.db, event_id).await?;
        worker.publish_sends(&queued).await?;
    }
    store::mark_processed(&worker.db, event_id).await?;
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
