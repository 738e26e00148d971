//! "Only a few days left": three days before a consultation closes, the
//! subscribers and citizens who want news of consultations and have not taken
//! part yet are reminded, once. The worker looks every minute; the outbox's
//! idempotency key makes a repeated or overlapping look record nothing new.
use chrono::{DateTime, Duration, Utc};
use common::{
    TenantScope,
    outbox::{self, NewEvent},
};
use std::collections::HashSet;

use entity::{consultation, outbox as outbox_row, tenant};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::json;

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
    let key = |c: &consultation::Model| format!("{}/closing:{}", c.tenant_id, c.id);
    let done: HashSet<String> = outbox_row::Entity::find()
        .select_only()
        .column(outbox_row::Column::IdempotencyKey)
        .filter(outbox_row::Column::IdempotencyKey.is_in(closing.iter().map(key).collect::<Vec<_>>()))
        .into_tuple()
        .all(&worker.db)
        .await?
        .into_iter()
        .collect();
    let closing: Vec<consultation::Model> = closing.into_iter().filter(|c| !done.contains(&key(c))).collect();
    let towns = tenant::Entity::find()
        .filter(tenant::Column::Id.is_in(closing.iter().map(|c| c.tenant_id).collect::<Vec<_>>()))
        .all(&worker.db)
        .await?;
    let closing: Vec<(consultation::Model, Option<&tenant::Model>)> = closing
        .into_iter()
        .map(|c| {
            let t = towns.iter().find(|t| t.id == c.tenant_id);
            (c, t)
        })
        .collect();
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
    }
    Ok(closing.len())
}
