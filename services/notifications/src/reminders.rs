//! "Only a few days left": three days before a consultation closes, the
//! subscribers and citizens who want news of consultations and have not taken
//! part yet are reminded, once. The worker looks every minute; the outbox's
//! idempotency key makes a repeated or overlapping look record nothing new.
use chrono::{DateTime, Duration, Utc};
use common::{
    TenantScope,
    outbox::{self, NewEvent},
};
use std::collections::{HashMap, HashSet};

use entity::{consultation, tenant};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use crate::worker::Worker;

/// How long before closing the reminder goes.
pub const REMINDER_BEFORE: Duration = Duration::days(3);

/// Records a reminder for every published consultation closing within three
/// days that has none yet; returns how many it recorded.
pub async fn remind_closing(worker: &Worker, now: DateTime<Utc>) -> anyhow::Result<usize> {
    // Every town's consultations: each reminder is then recorded in its own town.
    let closing = consultation::Entity::find()
        .filter(consultation::Column::Status.eq("published"))
        .filter(consultation::Column::ClosesAt.gt(now))
        .filter(consultation::Column::ClosesAt.lte(now + REMINDER_BEFORE))
        .all(&worker.db)
        .await?;
    if closing.is_empty() {
        return Ok(0);
    }
    let keys: Vec<String> =
        closing.iter().map(|c| outbox::stored_key(Some(c.tenant_id), &format!("closing:{}", c.id))).collect();
    let done = outbox::recorded_keys(&worker.db, &keys).await?;
    let closing: Vec<consultation::Model> =
        closing.into_iter().zip(&keys).filter(|(_, k)| !done.contains(*k)).map(|(c, _)| c).collect();
    let mut towns: HashMap<Uuid, tenant::Model> = HashMap::new();
    let town_ids: Vec<Uuid> =
        closing.iter().map(|c| c.tenant_id).collect::<HashSet<_>>().into_iter().collect();
    for batch in town_ids.chunks(common::db::VALUES_PER_QUERY) {
        let found =
            tenant::Entity::find().filter(tenant::Column::Id.is_in(batch.to_vec())).all(&worker.db).await?;
        towns.extend(found.into_iter().map(|t| (t.id, t)));
    }
    let closing: Vec<(consultation::Model, Option<&tenant::Model>)> = closing
        .into_iter()
        .map(|c| {
            let t = towns.get(&c.tenant_id);
            (c, t)
        })
        .collect();
    let mut recorded = 0;
    for (c, town) in &closing {
        let (Some(town), Some(closes_at)) = (town, c.closes_at) else { continue };
        if town.status != "active" || c.opens_at.is_some_and(|o| o > now) {
            continue;
        }
        let link = format!(
            "{}://{}.{}/consultations/{}",
            worker.config.public_url_scheme.as_str(),
            town.slug,
            worker.config.platform_domain,
            c.id
        );
        let body = format!(
            "La consultation « {} » de la commune de {} se termine le {}.\n\nIl est encore temps de donner votre avis : {link}",
            c.title,
            town.name,
            closes_at.format("%d/%m/%Y à %H:%M (UTC)")
        );
        let payload = json!({
            "recipients": [],
            "topic": "new_consultations",
            "audience": { "everyone": true, "not_participants_of": c.id },
            "mail": { "template": "notice", "params": {
                "subject": format!("Plus que quelques jours : {}", c.title), "body": body,
            }},
        });
        let event = NewEvent {
            kind: "consultation.closing".into(),
            payload,
            idempotency_key: format!("closing:{}", c.id),
        };
        outbox::record(&worker.db, Some(TenantScope::for_operator_action(town.id)), event).await?;
        recorded += 1;
    }
    Ok(recorded)
}
