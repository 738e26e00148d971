//! Sending a batch of deliveries and recording what happened.
use std::{
    collections::{HashMap, HashSet, hash_map::Entry},
    sync::Arc,
    time::Instant,
};

use chrono::Utc;
use entity::{delivery, tenant};
use futures_util::{StreamExt, stream};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, TransactionTrait};
use uuid::Uuid;

use crate::{
    backoff::retry_delay,
    compose::{Draft, MailPayload, Sender, compose, draft},
    digest::{self, Window},
    mailer::SendError,
    render::MailTemplate,
    store::{self, AttemptResult, audience},
    topics::Topic,
    worker::Worker,
};

/// Events kept ready per worker; a fan-out's event (its payload lists every
/// recipient) is then read and rendered once, not once per batch.
#[derive(Clone, Default)]
pub struct PreparedCache(Arc<std::sync::Mutex<HashMap<Uuid, Arc<Prepared>>>>);

/// Events remembered at once; the cache starts afresh beyond that.
const CACHED_EVENTS: usize = 64;

impl PreparedCache {
    fn get(&self, event_id: Uuid) -> Option<Arc<Prepared>> {
        self.0.lock().ok()?.get(&event_id).cloned()
    }

    fn put(&self, event_id: Uuid, prepared: Arc<Prepared>) {
        if let Ok(mut map) = self.0.lock() {
            if map.len() >= CACHED_EVENTS {
                map.clear();
            }
            map.insert(event_id, prepared);
        }
    }
}

/// An event's mail, rendered, and its town.
pub struct Prepared {
    /// The payload and its mail rendered once for the whole batch.
    mail: Result<(MailPayload, Draft), SendError>,
    town: Option<tenant::Model>,
    /// The kind of mail, for unsubscribes.
    topic: Option<Topic>,
    /// A digest's week: each reader's mail is written when sent.
    digest: Option<Window>,
    /// A town's news with its frame in English, for readers who chose it.
    english: Option<Draft>,
}

/// Sends the deliveries of the batch this worker can take, a few at a time; a
/// delivery another worker holds, or already sent, is skipped.
pub async fn send_batch(worker: &Worker, ids: &[Uuid]) -> anyhow::Result<()> {
    let now = Utc::now();
    if worker.db.get_database_backend() == DbBackend::Postgres {
        // Row locks held through the send stand in for a lease.
        let txn = worker.db.begin().await?;
        let taken = store::lock_many(&txn, ids, now).await?;
        send_and_record(worker, &txn, taken).await?;
        txn.commit().await?;
        return Ok(());
    }
    // SQLite locks the whole file for a write, so a lease is written instead.
    let taken = store::lease_many(&worker.db, ids, now, now + worker.settings.lease).await?;
    send_and_record(worker, &worker.db, taken).await
}

async fn send_and_record(
    worker: &Worker,
    db: &impl ConnectionTrait,
    taken: Vec<delivery::Model>,
) -> anyhow::Result<()> {
    let mut prepared: HashMap<Uuid, Arc<Prepared>> = HashMap::new();
    for d in &taken {
        if let Entry::Vacant(slot) = prepared.entry(d.event_id) {
            let ready = match worker.prepared.get(d.event_id) {
                Some(ready) => ready,
                None => {
                    let ready = Arc::new(prepare(worker, d.event_id).await?);
                    worker.prepared.put(d.event_id, ready.clone());
                    ready
                }
            };
            slot.insert(ready);
        }
    }
    let taken = without_unsubscribed(worker, db, taken, &prepared).await?;
    let (taken, written) = digests(worker, db, taken, &prepared).await?;
    let english = english_readers(worker, &taken, &prepared).await?;
    let outcomes: Vec<(delivery::Model, AttemptResult)> = stream::iter(taken)
        .map(|d| {
            let p = written.get(&d.id).cloned().or_else(|| prepared.get(&d.event_id).cloned());
            let in_english = english.contains(&d.id);
            async move {
                let result = attempt(worker, &d, p.as_deref(), in_english).await;
                (d, result)
            }
        })
        .buffer_unordered(worker.settings.concurrency.max(1))
        .collect()
        .await;
    let mut sent = Vec::new();
    for (d, result) in outcomes {
        count(worker, &result);
        if result == AttemptResult::Sent {
            sent.push(d.id);
        } else {
            tracing::info!(delivery_id = %d.id, attempts = d.attempts + 1, ?result, "mail not sent");
            store::record_attempt(db, d.id, d.attempts + 1, &result).await?;
        }
    }
    store::mark_sent_many(db, &sent, Utc::now()).await?;
    Ok(())
}

/// The deliveries still wanted: one whose recipient unsubscribed from its
/// kind of mail (or from the town) since the fan-out began is closed unsent.
async fn without_unsubscribed(
    worker: &Worker,
    db: &impl ConnectionTrait,
    taken: Vec<delivery::Model>,
    prepared: &HashMap<Uuid, Arc<Prepared>>,
) -> anyhow::Result<Vec<delivery::Model>> {
    let mut stopped = Vec::new();
    for (event_id, ready) in prepared {
        let (Some(town), Some(topic)) = (&ready.town, ready.topic) else { continue };
        let recipients: Vec<String> =
            taken.iter().filter(|d| d.event_id == *event_id).map(|d| d.recipient.clone()).collect();
        let gone = audience::unsubscribed(&worker.db, town.id, topic, &recipients).await?;
        stopped.extend(
            taken.iter().filter(|d| d.event_id == *event_id && gone.contains(&d.recipient)).map(|d| d.id),
        );
    }
    store::close_many(db, &stopped, store::status::UNSUBSCRIBED, Utc::now()).await?;
    Ok(taken.into_iter().filter(|d| !stopped.contains(&d.id)).collect())
}

/// The deliveries of the batch whose reader reads a town's news in English: two queries per event.
async fn english_readers(
    worker: &Worker,
    taken: &[delivery::Model],
    prepared: &HashMap<Uuid, Arc<Prepared>>,
) -> anyhow::Result<HashSet<Uuid>> {
    let mut english = HashSet::new();
    for (event_id, ready) in prepared {
        let (Some(town), Some(_)) = (&ready.town, &ready.english) else { continue };
        let mine: Vec<&delivery::Model> = taken.iter().filter(|d| d.event_id == *event_id).collect();
        let recipients: Vec<String> = mine.iter().map(|d| d.recipient.clone()).collect();
        let readers = audience::english_readers(&worker.db, town.id, &recipients).await?;
        english.extend(mine.iter().filter(|d| readers.contains(&d.recipient)).map(|d| d.id));
    }
    Ok(english)
}

/// Writes each digest of the batch for its reader (a fixed number of queries
/// per event and batch); a reader whose week holds nothing gets no mail.
async fn digests(
    worker: &Worker,
    db: &impl ConnectionTrait,
    taken: Vec<delivery::Model>,
    prepared: &HashMap<Uuid, Arc<Prepared>>,
) -> anyhow::Result<(Vec<delivery::Model>, HashMap<Uuid, Arc<Prepared>>)> {
    let mut written = HashMap::new();
    let mut empty = Vec::new();
    for (event_id, ready) in prepared {
        let (Some(town), Some(window)) = (&ready.town, ready.digest) else { continue };
        let mine: Vec<&delivery::Model> = taken.iter().filter(|d| d.event_id == *event_id).collect();
        let recipients: Vec<String> = mine.iter().map(|d| d.recipient.clone()).collect();
        let site = format!(
            "{}://{}.{}",
            worker.config.public_url_scheme.as_str(),
            town.slug,
            worker.config.platform_domain
        );
        let mut texts = digest::write(&worker.db, town, &site, window, &recipients).await?;
        let sender = Sender { config: &worker.config, signing_key: &worker.signing_key, town: Some(town) };
        for d in mine {
            let Some(Some((subject, body, english))) = texts.remove(&d.recipient) else {
                empty.push(d.id);
                continue;
            };
            let payload = MailPayload {
                recipients: Vec::new(),
                locale: if english { common::i18n::Lang::En } else { common::i18n::Lang::Fr },
                topic: Some(Topic::Digest.as_str().to_owned()),
                mail: MailTemplate::Notice { subject, body, markdown: false },
            };
            let mail = draft(&sender, &payload).map(|d| (payload, d));
            let one = Prepared {
                mail,
                town: Some(town.clone()),
                topic: Some(Topic::Digest),
                digest: None,
                english: None,
            };
            written.insert(d.id, Arc::new(one));
        }
    }
    store::close_many(db, &empty, store::status::NOTHING_NEW, Utc::now()).await?;
    Ok((taken.into_iter().filter(|d| !empty.contains(&d.id)).collect(), written))
}

async fn prepare(worker: &Worker, event_id: Uuid) -> anyhow::Result<Prepared> {
    let Some(event) = store::event(&worker.db, event_id).await? else {
        return Ok(Prepared {
            mail: Err(SendError::Permanent("event deleted".into())),
            town: None,
            topic: None,
            digest: None,
            english: None,
        });
    };
    let town = match event.tenant_id {
        Some(id) => tenant::Entity::find_by_id(id).one(&worker.db).await?,
        None => None,
    };
    let sender = Sender { config: &worker.config, signing_key: &worker.signing_key, town: town.as_ref() };
    let parsed = MailPayload::of(&event);
    let topic = parsed.as_ref().ok().and_then(|p| p.topic.as_deref()).and_then(Topic::parse);
    let digest = match parsed.as_ref().map(|p| &p.mail) {
        Ok(MailTemplate::Digest { from, to }) => Some(Window { from: *from, to: *to }),
        _ => None,
    };
    let mail = parsed.and_then(|mut payload| {
        // The recipients were expanded already; only the content is kept.
        payload.recipients = Vec::new();
        draft(&sender, &payload).map(|d| (payload, d))
    });
    // A town's news is written by the town; its frame (footer, unsubscribe) follows the reader.
    let english = match (&mail, &town, topic) {
        (Ok((payload, _)), Some(_), Some(_)) if payload.locale != common::i18n::Lang::En => {
            let mut in_english = payload.clone();
            in_english.locale = common::i18n::Lang::En;
            draft(&sender, &in_english).ok()
        }
        _ => None,
    };
    Ok(Prepared { mail, town, topic, digest, english })
}

async fn attempt(
    worker: &Worker,
    d: &delivery::Model,
    prepared: Option<&Prepared>,
    in_english: bool,
) -> AttemptResult {
    let sent = match prepared {
        None => Err(SendError::Permanent("event missing".into())),
        Some(Prepared { mail: Err(e), .. }) => Err(e.clone()),
        Some(Prepared { mail: Ok((payload, draft)), town, english, .. }) => {
            let draft = match english {
                Some(english) if in_english => english,
                _ => draft,
            };
            let sender =
                Sender { config: &worker.config, signing_key: &worker.signing_key, town: town.as_ref() };
            match compose(&sender, payload, draft, &d.recipient) {
                Ok(message) => {
                    let started = Instant::now();
                    let sent = worker.mailer.send(&message).await;
                    let seconds = started.elapsed().as_secs_f64();
                    worker.metrics.send_seconds.with_label_values(&["smtp"]).observe(seconds);
                    sent
                }
                Err(e) => Err(e),
            }
        }
    };
    let attempts = (d.attempts + 1) as u32;
    match sent {
        Ok(()) => AttemptResult::Sent,
        Err(SendError::Permanent(error)) => AttemptResult::Failed { error },
        Err(SendError::Transient(error)) if attempts >= worker.settings.max_attempts => {
            AttemptResult::Dead { error }
        }
        Err(SendError::Transient(error)) => {
            let s = &worker.settings;
            let delay = retry_delay(attempts, s.retry_base, s.retry_cap, rand::random());
            AttemptResult::Retry { error, at: Utc::now() + delay }
        }
    }
}

fn count(worker: &Worker, result: &AttemptResult) {
    let label = match result {
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
}
