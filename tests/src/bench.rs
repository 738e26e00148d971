//! What the mail benches share: a worker on a fresh database and a counting
//! SMTP sink, every statement it runs counted, and the process's memory.
use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use common::{config::Config, signing::SigningKey};
use notifications::{
    mailer::SmtpMailer,
    metrics::MailMetrics,
    queue::{JobQueue, MemoryQueue, RedisQueue, RedisQueueSettings},
    worker::{Worker, WorkerSettings},
};
use sea_orm::DatabaseConnection;

use crate::{TestDatabase, smtp::SmtpSink};

/// A bench's world: keep `database` alive as long as the rest.
pub struct BenchWorld {
    pub database: TestDatabase,
    pub sink: SmtpSink,
    pub db: DatabaseConnection,
    pub worker: Worker,
    /// Statements run on `db` so far.
    pub statements: Arc<AtomicU64>,
    pub redis: bool,
}

impl BenchWorld {
    /// SQLite and the in-process queue, or PostgreSQL and Redis Streams with
    /// `TEST_DATABASE_URL` and `TEST_REDIS_URL`; migrated, nothing in it.
    pub async fn start() -> BenchWorld {
        let database = TestDatabase::create().await;
        let sink = SmtpSink::start_counting().await;
        let mut env = HashMap::from([
            ("DATA_DIR", database.data_dir().display().to_string()),
            ("SMTP_URL", sink.url()),
            ("MAIL_RATE_PER_SECOND", "0".to_owned()),
        ]);
        env.extend(database.settings());
        let redis = std::env::var("TEST_REDIS_URL").ok();
        if let Some(url) = &redis {
            env.insert("REDIS_URL", url.clone());
        }
        let config = Arc::new(Config::from_lookup(|k| env.get(k).cloned()).expect("config"));
        let mut db = common::db::connect(&config).await.expect("database");
        common::db::prepare_schema(&config, &db).await.expect("migrations");
        let statements = Arc::new(AtomicU64::new(0));
        let counter = statements.clone();
        db.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
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
            config,
            metrics: MailMetrics::register(&prometheus::Registry::new()).expect("metrics"),
            prepared: Default::default(),
        };
        BenchWorld { database, sink, db, worker, statements, redis: redis.is_some() }
    }

    /// "PostgreSQL, Redis Streams queue" or "SQLite, in-process queue".
    pub fn backends(&self) -> String {
        let backend = if self.database.is_postgres() { "PostgreSQL" } else { "SQLite" };
        let queue = if self.redis { "Redis Streams" } else { "in-process" };
        format!("{backend}, {queue} queue")
    }

    /// Waits until the sink has `n` mails (10 minutes at most) and returns the
    /// time to the first and the last, and resident memory at each quarter.
    pub async fn until_mails(&self, n: usize, started: Instant) -> (Duration, Duration, Vec<(usize, f64)>) {
        let mut first = None;
        let mut samples = Vec::new();
        let mut next = n / 4;
        loop {
            let got = self.sink.count();
            if first.is_none() && got > 0 {
                first = Some(started.elapsed());
            }
            if got >= next && samples.len() < 4 {
                samples.push((got, memory_mib("VmRSS:")));
                next += n / 4;
            }
            if got >= n {
                return (first.unwrap_or_default(), started.elapsed(), samples);
            }
            assert!(started.elapsed() < Duration::from_secs(600), "only {got} of {n} mails after 10 minutes");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// A field of `/proc/self/status` (`VmRSS:`, `VmHWM:`) in MiB.
pub fn memory_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// A confirmed subscription of `email` to the town, as a fixture.
pub fn confirmed_subscription(town: uuid::Uuid, email: &str) -> entity::subscription::ActiveModel {
    use sea_orm::Set;
    let now = chrono::Utc::now();
    entity::subscription::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        tenant_id: Set(town),
        email: Set(email.to_owned()),
        status: Set("confirmed".into()),
        confirm_token_hash: Set(None),
        confirm_expires_at: Set(None),
        consent_at: Set(now),
        consent_page: Set("/".into()),
        consent_wording: Set("fixture".into()),
        consent_ip: Set(None),
        confirmed_at: Set(Some(now)),
        unsubscribed_at: Set(None),
        language: Set("fr".into()),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// Prints a run's figures as a Markdown table.
pub fn print_figures(
    n: usize,
    first: Duration,
    last: Duration,
    statements: u64,
    before: f64,
    samples: &[(usize, f64)],
) {
    println!("| figure | value |");
    println!("|---|---:|");
    println!("| start → last mail accepted | {:.2} s |", last.as_secs_f64());
    println!("| start → first mail accepted | {:.0} ms |", first.as_secs_f64() * 1000.0);
    println!("| mails per second | {:.0} |", n as f64 / last.as_secs_f64());
    println!(
        "| database statements per recipient | {:.3} ({statements} in all) |",
        statements as f64 / n as f64
    );
    println!("| resident memory before the run | {before:.1} MiB |");
    for (got, rss) in samples {
        println!("| resident memory at {got} mails | {rss:.1} MiB |");
    }
    println!("| peak resident memory of the process (sink included) | {:.1} MiB |", memory_mib("VmHWM:"));
}
