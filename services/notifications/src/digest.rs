//! The weekly digest: on Monday from 08:00 in each town's time zone, one mail
//! per citizen gathering what their preferences put in it (new consultations,
//! results, replies, answers to proposals) over the past week. One event per
//! town and week (the outbox key `digest:<year>-W<week>`), so a repeated or
//! overlapping run sends nothing twice; the readers are read in batches and
//! each mail is written for its reader when it is sent.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use common::{
    TenantScope,
    outbox::{self, NewEvent},
};
use entity::{
    ballot, comment, consultation, notification_preference, proposal, response, support, tenant, user,
};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use serde_json::json;

use crate::{
    topics::{Preferences, Timing},
    worker::Worker,
};

/// The hour (local) from which a town's digest goes on Mondays.
const DIGEST_HOUR: u32 = 8;

/// The week a digest covers: the seven days before its Monday 08:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// If the town's digest is due at `now` (Monday from 08:00 in `zone`): its
/// week's key and window.
pub fn due(zone: &str, now: DateTime<Utc>) -> Option<(String, Window)> {
    let tz: Tz = zone.parse().unwrap_or(chrono_tz::Europe::Paris);
    let local = now.with_timezone(&tz);
    if local.weekday() != Weekday::Mon || local.time() < NaiveTime::from_hms_opt(DIGEST_HOUR, 0, 0)? {
        return None;
    }
    let start = tz.from_local_datetime(&local.date_naive().and_hms_opt(DIGEST_HOUR, 0, 0)?).earliest()?;
    let to = start.with_timezone(&Utc);
    let week = local.iso_week();
    Some((format!("digest:{}-W{:02}", week.year(), week.week()), Window { from: to - Duration::days(7), to }))
}

/// Records the digest of every active town whose Monday morning has come and
/// that has none for this week; returns how many it recorded. Runs every few
/// minutes: it reads each active town's id and time zone only, and nothing
/// more outside Monday mornings.
pub async fn schedule(worker: &Worker, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let towns: Vec<(uuid::Uuid, String)> = tenant::Entity::find()
        .select_only()
        .column(tenant::Column::Id)
        .column(tenant::Column::TimeZone)
        .filter(tenant::Column::Status.eq("active"))
        .into_tuple()
        .all(&worker.db)
        .await?;
    let mut by_zone: HashMap<&str, Option<(String, Window)>> = HashMap::new();
    let mut due_towns: Vec<(uuid::Uuid, String, Window)> = Vec::new();
    for (id, zone) in &towns {
        if let Some((key, window)) = by_zone.entry(zone.as_str()).or_insert_with(|| due(zone, now)) {
            due_towns.push((*id, key.clone(), *window));
        }
    }
    let keys: Vec<String> =
        due_towns.iter().map(|(town, key, _)| outbox::stored_key(Some(*town), key)).collect();
    let done = outbox::recorded_keys(&worker.db, &keys).await?;
    let mut recorded = 0;
    for ((town, key, window), stored) in due_towns.iter().zip(&keys) {
        if done.contains(stored) {
            continue;
        }
        let payload = json!({
            "recipients": [],
            "topic": "digest",
            "audience": { "everyone": true },
            "mail": { "template": "digest", "params": { "from": window.from, "to": window.to } },
        });
        let event = NewEvent { kind: "digest.weekly".into(), payload, idempotency_key: key.clone() };
        outbox::record(&worker.db, Some(TenantScope::for_operator_action(*town)), event).await?;
        recorded += 1;
    }
    Ok(recorded)
}

/// One reader's digest: its subject, its text and whether it is in English,
/// or `None` when the week holds nothing their preferences put in it.
pub type Written = Option<(String, String, bool)>;

struct Reader {
    id: uuid::Uuid,
    name: String,
    prefs: Preferences,
    english: bool,
}

/// The digest's words in one language.
struct Words {
    subject: &'static str,
    hello: &'static str,
    intro: &'static str,
    opened: &'static str,
    results: &'static str,
    replies: &'static str,
    answers: &'static str,
}

const FRENCH: Words = Words {
    subject: "Cette semaine à",
    hello: "Bonjour",
    intro: "Voici votre semaine sur la plateforme de participation de",
    opened: "Nouvelles consultations :",
    results: "Résultats des consultations auxquelles vous avez participé :",
    replies: "réponse(s) à vos commentaires :",
    answers: "La commune a répondu à vos propositions :",
};

const ENGLISH: Words = Words {
    subject: "This week in",
    hello: "Hello",
    intro: "Here is your week on the participation platform of",
    opened: "New consultations:",
    results: "Results of the consultations you took part in:",
    replies: "reply(ies) to your comments:",
    answers: "The town answered your proposals:",
};

/// The digest of each of `recipients` (addresses of the town's citizens) for
/// `window`: a fixed number of queries for the whole batch.
pub async fn write(
    conn: &impl ConnectionTrait,
    town: &tenant::Model,
    site: &str,
    window: Window,
    recipients: &[String],
) -> Result<HashMap<String, Written>, DbErr> {
    let scope = TenantScope::for_operator_action(town.id);
    let users: Vec<(uuid::Uuid, String, String)> = scope
        .find::<user::Entity>()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Email)
        .column(user::Column::DisplayName)
        .filter(user::Column::Email.is_in(recipients.to_vec()))
        .into_tuple()
        .all(conn)
        .await?;
    let ids: Vec<uuid::Uuid> = users.iter().map(|u| u.0).collect();
    let prefs = scope
        .find::<notification_preference::Entity>()
        .filter(notification_preference::Column::UserId.is_in(ids.clone()))
        .all(conn)
        .await?;
    let readers: HashMap<String, Reader> = users
        .into_iter()
        .map(|(id, email, name)| {
            let row = prefs.iter().find(|p| p.user_id == id);
            let p = row.map(Preferences::of).unwrap_or_default();
            (email, Reader { id, name, prefs: p, english: row.is_some_and(|r| r.language == "en") })
        })
        .collect();
    let in_window = |c| between(c, window);
    let opened = scope
        .find::<consultation::Entity>()
        .filter(in_window(consultation::Column::PublishedAt))
        .all(conn)
        .await?;
    let concluded = scope
        .find::<consultation::Entity>()
        .filter(in_window(consultation::Column::ResultsPublishedAt))
        .all(conn)
        .await?;
    let took_part =
        participation(conn, scope, &concluded.iter().map(|c| c.id).collect::<Vec<_>>(), &ids).await?;
    let replies = scope
        .find::<comment::Entity>()
        .filter(between(comment::Column::CreatedAt, window))
        .filter(comment::Column::ParentId.is_not_null())
        .filter(comment::Column::HiddenAt.is_null())
        .all(conn)
        .await?;
    let parents = scope
        .find::<comment::Entity>()
        .filter(comment::Column::Id.is_in(replies.iter().filter_map(|r| r.parent_id).collect::<Vec<_>>()))
        .filter(comment::Column::AuthorId.is_in(ids.clone()))
        .all(conn)
        .await?;
    let answered = scope
        .find::<proposal::Entity>()
        .filter(between(proposal::Column::AnsweredAt, window))
        .filter(proposal::Column::AuthorId.is_in(ids))
        .all(conn)
        .await?;
    let link = |id: uuid::Uuid| format!("{site}/consultations/{id}");
    Ok(recipients
        .iter()
        .map(|email| {
            let Some(r) = readers.get(email) else { return (email.clone(), None) };
            let weekly = |t: Timing| t == Timing::Weekly;
            let w = if r.english { &ENGLISH } else { &FRENCH };
            let mut sections = Vec::new();
            if weekly(r.prefs.new_consultations) && !opened.is_empty() {
                let lines: Vec<String> =
                    opened.iter().map(|c| format!("- {} : {}", c.title, link(c.id))).collect();
                sections.push(format!("{}\n{}", w.opened, lines.join("\n")));
            }
            let mine: Vec<String> = concluded
                .iter()
                .filter(|c| took_part.contains(&(c.id, r.id)))
                .map(|c| format!("- {} : {}", c.title, link(c.id)))
                .collect();
            if weekly(r.prefs.results) && !mine.is_empty() {
                sections.push(format!("{}\n{}", w.results, mine.join("\n")));
            }
            let to_me: Vec<&comment::Model> = replies
                .iter()
                .filter(|reply| {
                    reply.author_id != r.id
                        && parents.iter().any(|p| Some(p.id) == reply.parent_id && p.author_id == r.id)
                })
                .collect();
            if weekly(r.prefs.replies) && !to_me.is_empty() {
                let threads: HashSet<uuid::Uuid> = to_me.iter().map(|c| c.consultation_id).collect();
                let lines: Vec<String> = threads.into_iter().map(link).map(|l| format!("- {l}")).collect();
                sections.push(format!("{} {}\n{}", to_me.len(), w.replies, lines.join("\n")));
            }
            let answers: Vec<String> = answered
                .iter()
                .filter(|p| p.author_id == r.id)
                .map(|p| format!("- « {} » : {}", p.title, p.answer.clone().unwrap_or_default()))
                .collect();
            if weekly(r.prefs.proposal_answers) && !answers.is_empty() {
                sections.push(format!("{}\n{}", w.answers, answers.join("\n")));
            }
            if sections.is_empty() {
                return (email.clone(), None);
            }
            let body =
                format!("{} {},\n\n{} {}.\n\n{}", w.hello, r.name, w.intro, town.name, sections.join("\n\n"));
            (email.clone(), Some((format!("{} {}", w.subject, town.name), body, r.english)))
        })
        .collect())
}

/// `column` within the window.
fn between(column: impl ColumnTrait, window: Window) -> Condition {
    Condition::all().add(column.gte(window.from)).add(column.lt(window.to))
}

/// (consultation, user) pairs of those of `users` who took part in `consultations`.
async fn participation(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    consultations: &[uuid::Uuid],
    users: &[uuid::Uuid],
) -> Result<HashSet<(uuid::Uuid, uuid::Uuid)>, DbErr> {
    let mut pairs = HashSet::new();
    if consultations.is_empty() || users.is_empty() {
        return Ok(pairs);
    }
    macro_rules! pairs_of {
        ($module:ident, $thread:ident, $person:ident) => {
            pairs.extend(
                scope
                    .find::<$module::Entity>()
                    .select_only()
                    .column($module::Column::$thread)
                    .column($module::Column::$person)
                    .filter($module::Column::$thread.is_in(consultations.to_vec()))
                    .filter($module::Column::$person.is_in(users.to_vec()))
                    .into_tuple::<(uuid::Uuid, uuid::Uuid)>()
                    .all(conn)
                    .await?,
            )
        };
    }
    pairs_of!(response, ConsultationId, UserId);
    pairs_of!(proposal, ConsultationId, AuthorId);
    pairs_of!(ballot, ConsultationId, UserId);
    pairs_of!(comment, ConsultationId, AuthorId);
    let proposals: Vec<(uuid::Uuid, uuid::Uuid)> = scope
        .find::<proposal::Entity>()
        .select_only()
        .column(proposal::Column::Id)
        .column(proposal::Column::ConsultationId)
        .filter(proposal::Column::ConsultationId.is_in(consultations.to_vec()))
        .into_tuple()
        .all(conn)
        .await?;
    let supports: Vec<(uuid::Uuid, uuid::Uuid)> = scope
        .find::<support::Entity>()
        .select_only()
        .column(support::Column::ProposalId)
        .column(support::Column::UserId)
        .filter(support::Column::ProposalId.is_in(proposals.iter().map(|p| p.0).collect::<Vec<_>>()))
        .filter(support::Column::UserId.is_in(users.to_vec()))
        .into_tuple()
        .all(conn)
        .await?;
    for (proposal, user) in supports {
        if let Some((_, c)) = proposals.iter().find(|(p, _)| *p == proposal) {
            pairs.insert((*c, user));
        }
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_on_monday_morning_in_the_towns_time() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        // Monday 2026-11-30, 08:00 in Paris is 07:00 UTC.
        assert_eq!(due("Europe/Paris", at("2026-11-30T06:59:00Z")), None);
        let (key, w) = due("Europe/Paris", at("2026-11-30T07:00:00Z")).unwrap();
        assert_eq!((key.as_str(), w.to), ("digest:2026-W49", at("2026-11-30T07:00:00Z")));
        assert_eq!(w.from, at("2026-11-23T07:00:00Z"));
        assert_eq!(due("Europe/Paris", at("2026-12-01T09:00:00Z")), None, "not on Tuesday");
        // Réunion is UTC+4: 08:00 there is 04:00 UTC.
        assert!(due("Indian/Reunion", at("2026-11-30T04:00:00Z")).is_some());
        // Summer time: Monday 2026-06-29, 08:00 in Paris is 06:00 UTC.
        assert!(due("Europe/Paris", at("2026-06-29T06:00:00Z")).is_some());
        assert!(due("Nowhere/Town", at("2026-11-30T07:30:00Z")).is_some(), "unknown zones read as Paris");
    }
}
