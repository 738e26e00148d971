//! A consultation published in a town with 20,000 confirmed subscribers: the
//! worker reads them from the database a batch at a time, creates one
//! delivery each and sends them to a local SMTP sink.
//!
//! `cargo bench -p participation-tests --bench subscriber_fan_out` (SQLite and
//! the in-process queue); with `TEST_DATABASE_URL` and `TEST_REDIS_URL`,
//! PostgreSQL and Redis Streams. `FAN_OUT_SUBSCRIBERS` changes the 20,000.
use std::{sync::atomic::Ordering, time::Instant};

use common::{
    TenantScope,
    outbox::{self, NewEvent},
};
use participation_tests::bench::{BenchWorld, memory_mib};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("FAN_OUT_SUBSCRIBERS").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let world = BenchWorld::start().await;
    let db = &world.db;
    let town = entity::tenant::ActiveModel::new_town(entity::tenant::NewTown {
        slug: "hanches",
        insee_code: "28191",
        name: "Hanches",
        status: "active",
        contact_email: "mairie@hanches.example.fr",
        contact_name: "Mairie",
    })
    .insert(db)
    .await
    .expect("town");
    let now = chrono::Utc::now();
    for first in (0..n).step_by(1_000) {
        let rows = (first..(first + 1_000).min(n)).map(|i| entity::subscription::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            tenant_id: Set(town.id),
            email: Set(format!("abonne{i:06}@example.fr")),
            status: Set("confirmed".into()),
            confirm_token_hash: Set(None),
            confirm_expires_at: Set(None),
            consent_at: Set(now),
            consent_page: Set("/".into()),
            consent_wording: Set("bench".into()),
            consent_ip: Set(None),
            confirmed_at: Set(Some(now)),
            unsubscribed_at: Set(None),
            language: Set("fr".into()),
            created_at: Set(now),
            updated_at: Set(now),
        });
        entity::subscription::Entity::insert_many(rows).exec(db).await.expect("subscribers");
    }
    let stop = CancellationToken::new();
    let running = tokio::spawn(world.worker.clone().run_until_stopped(stop.clone()));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let rss_before = memory_mib("VmRSS:");
    let statements_before = world.statements.load(Ordering::Relaxed);

    let started = Instant::now();
    let payload = json!({
        "recipients": [],
        "topic": "new_consultations",
        "audience": { "everyone": true },
        "mail": { "template": "notice", "params": {
            "subject": "Nouvelle consultation : plan vélo",
            "body": "La commune de Hanches ouvre une consultation : « Plan vélo ».\n\nPour participer : http://hanches.localhost:8080/consultations/1",
        }},
    });
    let event = NewEvent { kind: "consultation.published".into(), payload, idempotency_key: "bench".into() };
    outbox::record(db, Some(TenantScope::for_operator_action(town.id)), event).await.expect("event");
    let (first_mail, elapsed, rss_samples) = world.until_mails(n, started).await;
    let used = world.statements.load(Ordering::Relaxed) - statements_before;
    stop.cancel();
    let _ = running.await;

    println!("publication to {n} confirmed subscribers ({}, local SMTP sink)", world.backends());
    println!("| figure | value |");
    println!("|---|---:|");
    println!("| commit → last mail accepted | {:.2} s |", elapsed.as_secs_f64());
    println!("| commit → first mail accepted | {:.0} ms |", first_mail.as_secs_f64() * 1000.0);
    println!("| mails per second | {:.0} |", n as f64 / elapsed.as_secs_f64());
    println!("| database statements per recipient | {:.3} ({used} in all) |", used as f64 / n as f64);
    println!("| resident memory before the run | {rss_before:.1} MiB |");
    for (got, rss) in rss_samples {
        println!("| resident memory at {got} mails | {rss:.1} MiB |");
    }
    println!("| peak resident memory of the process (sink included) | {:.1} MiB |", memory_mib("VmHWM:"));
}
