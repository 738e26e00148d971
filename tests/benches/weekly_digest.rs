//! A weekly digest run for 1,600 towns of 300 citizens each: one event per
//! town, readers read in batches, each mail written for its reader when sent.
//!
//! `cargo bench -p participation-tests --bench weekly_digest` (SQLite and the
//! in-process queue); with `TEST_DATABASE_URL` and `TEST_REDIS_URL`,
//! PostgreSQL and Redis Streams. `DIGEST_TOWNS` and `DIGEST_READERS` change
//! the 1,600 and the 300.
use std::{sync::atomic::Ordering, time::Instant};

use participation_tests::bench::{BenchWorld, memory_mib, print_figures};
use sea_orm::{EntityTrait, QuerySelect, Set};
use tokio_util::sync::CancellationToken;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let (towns, readers) = (setting("DIGEST_TOWNS", 1_600), setting("DIGEST_READERS", 300));
    let world = BenchWorld::start().await;
    let db = &world.db;
    let now = chrono::Utc::now();
    let setup = Instant::now();
    let codes: Vec<String> = entity::commune::Entity::find()
        .select_only()
        .column(entity::commune::Column::InseeCode)
        .limit(towns as u64)
        .into_tuple()
        .all(db)
        .await
        .expect("communes");
    let mut ids = Vec::with_capacity(towns);
    for (i, code) in codes.iter().enumerate() {
        let mut town = entity::tenant::ActiveModel::new_town(entity::tenant::NewTown {
            slug: &format!("ville{i:04}"),
            insee_code: code,
            name: &format!("Ville {i}"),
            status: "active",
            contact_email: "mairie@example.fr",
            contact_name: "Mairie",
        });
        let id = uuid::Uuid::new_v4();
        town.id = Set(id);
        entity::tenant::Entity::insert(town).exec_without_returning(db).await.expect("town");
        ids.push(id);
    }
    // A consultation opened this week in each town, and its citizens (default
    // preferences: new consultations in the digest).
    for (i, town) in ids.iter().enumerate() {
        let c = entity::consultation::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            tenant_id: Set(*town),
            kind: Set("proposals".into()),
            status: Set("published".into()),
            title: Set(format!("Le marché de la ville {i}")),
            summary: Set(String::new()),
            body_markdown: Set(String::new()),
            body_html: Set(String::new()),
            audience: Set("public".into()),
            opens_at: Set(None),
            closes_at: Set(None),
            budget_cents: Set(None),
            published_at: Set(Some(now - chrono::Duration::hours(1))),
            closed_at: Set(None),
            created_by: Set(None),
            categories: Set("[]".into()),
            results_markdown: Set(None),
            results_html: Set(None),
            results_published_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        };
        entity::consultation::Entity::insert(c).exec_without_returning(db).await.expect("consultation");
        for first in (0..readers).step_by(1_000) {
            let rows = (first..(first + 1_000).min(readers)).map(|j| entity::user::ActiveModel {
                id: Set(uuid::Uuid::new_v4()),
                tenant_id: Set(Some(*town)),
                email: Set(format!("lecteur{j}@ville{i:04}.example.fr")),
                password_hash: Set(None),
                display_name: Set(format!("Lecteur {j}")),
                email_verified_at: Set(Some(now)),
                created_at: Set(now),
                updated_at: Set(now),
            });
            entity::user::Entity::insert_many(rows).exec_without_returning(db).await.expect("citizens");
        }
    }
    let n = towns * readers;
    println!("set up {towns} towns and {n} citizens in {:.1} s", setup.elapsed().as_secs_f64());

    let monday = (0..15)
        .map(|d| {
            (now.date_naive() + chrono::Duration::days(d)).and_hms_opt(12, 0, 0).expect("noon").and_utc()
        })
        .find(|t| {
            notifications::digest::due("Europe/Paris", *t).is_some_and(|(_, w)| w.from <= now && now < w.to)
        })
        .expect("a Monday");
    let stop = CancellationToken::new();
    let running = tokio::spawn(world.worker.clone().run_until_stopped(stop.clone()));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let rss_before = memory_mib("VmRSS:");
    let statements_before = world.statements.load(Ordering::Relaxed);
    let started = Instant::now();
    let recorded = notifications::digest::schedule(&world.worker, monday).await.expect("schedule");
    let scheduling = started.elapsed();
    let again = notifications::digest::schedule(&world.worker, monday).await.expect("schedule again");
    let (first_mail, elapsed, rss_samples) = world.until_mails(n, started).await;
    let used = world.statements.load(Ordering::Relaxed) - statements_before;
    stop.cancel();
    let _ = running.await;

    println!("weekly digest for {towns} towns × {readers} citizens ({}, local SMTP sink)", world.backends());
    println!(
        "| digests recorded (then on a second run) | {recorded} (then {again}) in {:.2} s |",
        scheduling.as_secs_f64()
    );
    print_figures(n, first_mail, elapsed, used, rss_before, &rss_samples);
}
