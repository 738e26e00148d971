//! A consultation published in a town with 20,000 confirmed subscribers: the
//! worker reads them from the database a batch at a time, creates one
//! delivery each and sends them to a local SMTP sink.
//!
//! `cargo bench -p participation-tests --bench subscriber_fan_out` (SQLite and
//! the in-process queue); with `TEST_DATABASE_URL` and `TEST_REDIS_URL`,
//! PostgreSQL and Redis Streams. `FAN_OUT_SUBSCRIBERS` changes the 20,000.
use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use common::{
    TenantScope,
    config::Config,
    outbox::{self, NewEvent},
    signing::SigningKey,
};
use notifications::{
    mailer::SmtpMailer,
    metrics::MailMetrics,
    queue::{JobQueue, MemoryQueue, RedisQueue, RedisQueueSettings},
    worker::{Worker, WorkerSettings},
};
use participation_tests::{TestDatabase, smtp::SmtpSink};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;
use tokio_util::sync::CancellationToken;

fn memory_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("FAN_OUT_SUBSCRIBERS").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let database = TestDatabase::create().await;
    let sink = SmtpSink::start_counting().await;
    let mut env = HashMap::from([
        ("DATA_DIR", database.data_dir().display().to_string()),
        ("DATABASE_URL", database.url().to_owned()),
        ("SMTP_URL", sink.url()),
        ("MAIL_RATE_PER_SECOND", "0".to_owned()),
    ]);
    let redis = std::env::var("TEST_REDIS_URL").ok();
    if let Some(url) = &redis {
        env.insert("REDIS_URL", url.clone());
    }
    let config = Arc::new(Config::from_lookup(|k| env.get(k).cloned()).expect("config"));
    let mut db = common::db::connect(&config).await.expect("database");
    common::db::migrate(&db).await.expect("migrations");
    // Every statement the worker runs is counted.
    let statements = Arc::new(AtomicU64::new(0));
    let counter = statements.clone();
    db.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    let town = entity::tenant::ActiveModel::new_town(entity::tenant::NewTown {
        slug: "hanches",
        insee_code: "28191",
        name: "Hanches",
        status: "active",
        contact_email: "mairie@hanches.example.fr",
        contact_name: "Mairie",
    })
    .insert(&db)
    .await
    .expect("town");
    let now = chrono::Utc::now();
    let rows: Vec<entity::subscription::ActiveModel> = (0..n)
        .map(|i| entity::subscription::ActiveModel {
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
        })
        .collect();
    for chunk in rows.chunks(1_000) {
        entity::subscription::Entity::insert_many(chunk.to_vec()).exec(&db).await.expect("subscribers");
    }
    drop(rows);
    let queue: Arc<dyn JobQueue> = match &redis {
        Some(url) => {
            let prefix = format!("bench-{}", uuid::Uuid::new_v4().simple());
            Arc::new(RedisQueue::connect(url, RedisQueueSettings::new(&prefix)).await.expect("redis"))
        }
        None => Arc::new(MemoryQueue::new()),
    };
    let worker = Worker {
        db: db.clone(),
        queue,
        mailer: Arc::new(SmtpMailer::from_url(&sink.url(), 0, Duration::from_secs(30)).expect("mailer")),
        signing_key: SigningKey::from_bytes(&[9; 32]),
        settings: WorkerSettings::from_config(&config),
        config: config.clone(),
        metrics: MailMetrics::register(&prometheus::Registry::new()).expect("metrics"),
        prepared: Default::default(),
    };
    let stop = CancellationToken::new();
    let running = tokio::spawn(worker.run_until_stopped(stop.clone()));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_before = memory_mib("VmRSS:");
    let statements_before = statements.load(Ordering::Relaxed);

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
    outbox::record(&db, Some(TenantScope::for_operator_action(town.id)), event).await.expect("event");
    let mut first_mail = None;
    let mut rss_samples = Vec::new();
    let mut next_sample = n / 4;
    loop {
        let got = sink.count();
        if first_mail.is_none() && got > 0 {
            first_mail = Some(started.elapsed());
        }
        if got >= next_sample && rss_samples.len() < 4 {
            rss_samples.push((got, memory_mib("VmRSS:")));
            next_sample += n / 4;
        }
        if got >= n {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(600), "only {got} of {n} mails after 10 minutes");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let elapsed = started.elapsed();
    let used = statements.load(Ordering::Relaxed) - statements_before;
    stop.cancel();
    let _ = running.await;

    let backend = if database.is_postgres() { "PostgreSQL" } else { "SQLite" };
    let queue = if redis.is_some() { "Redis Streams" } else { "in-process" };
    println!("publication to {n} confirmed subscribers ({backend}, {queue} queue, local SMTP sink)");
    println!("| figure | value |");
    println!("|---|---:|");
    println!("| commit → last mail accepted | {:.2} s |", elapsed.as_secs_f64());
    println!(
        "| commit → first mail accepted | {:.0} ms |",
        first_mail.unwrap_or_default().as_secs_f64() * 1000.0
    );
    println!("| mails per second | {:.0} |", n as f64 / elapsed.as_secs_f64());
    println!("| database statements per recipient | {:.3} ({used} in all) |", used as f64 / n as f64);
    println!("| resident memory before the run | {rss_before:.1} MiB |");
    for (got, rss) in rss_samples {
        println!("| resident memory at {got} mails | {rss:.1} MiB |");
    }
    println!("| peak resident memory of the process (sink included) | {:.1} MiB |", memory_mib("VmHWM:"));
}
