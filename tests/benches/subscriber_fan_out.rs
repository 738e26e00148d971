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
use participation_tests::bench::{BenchWorld, memory_mib, print_figures};
use sea_orm::{ActiveModelTrait, EntityTrait};
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
    for first in (0..n).step_by(1_000) {
        let rows = (first..(first + 1_000).min(n)).map(|i| {
            participation_tests::bench::confirmed_subscription(town.id, &format!("abonne{i:06}@example.fr"))
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
    print_figures(n, first_mail, elapsed, used, rss_before, &rss_samples);
}
