//! The mail worker as a process: killed with SIGKILL mid fan-out, Redis flushed,
//! a second worker started — every recipient still gets the mail, and only the
//! messages in flight at the kill may arrive twice. Real SMTP server (in this
//! test), real Redis, and SQLite or PostgreSQL (`TEST_DATABASE_URL`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test fails

// The end-to-end suite's SMTP server and per-test database, shared by path
// (this test needs the worker binary, which only this package's tests can run).
#[allow(dead_code)]
#[path = "../../../tests/src/database.rs"]
mod database;
#[allow(dead_code)]
#[path = "../../../tests/src/smtp.rs"]
mod smtp;

use std::{
    collections::{HashMap, HashSet},
    process::{Child, Command, Stdio},
    time::Duration,
};

use common::outbox::{self, NewEvent};
use sea_orm::TransactionTrait;
use serde_json::json;

const RECIPIENTS: usize = 3_000;

/// A worker process, killed if the test ends early (a failed assertion must not
/// leave it running).
struct WorkerProcess(Child);

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn start_worker(env: &HashMap<&str, String>) -> WorkerProcess {
    WorkerProcess(
        Command::new(env!("CARGO_BIN_EXE_participation-worker"))
            .env_clear()
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start participation-worker"),
    )
}

fn recipients_of(mails: &[smtp::ReceivedMail]) -> Vec<String> {
    mails.iter().flat_map(|m| m.to.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_worker_and_a_flushed_redis_lose_no_mail() {
    let database = database::TestDatabase::create().await;
    let sink = smtp::SmtpSink::start().await;
    let prefix = format!("test-kill-{}", uuid::Uuid::new_v4().simple());
    let redis_url = std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let mut env: HashMap<&str, String> = HashMap::from([
        ("PATH", std::env::var("PATH").unwrap_or_default()),
        ("DATA_DIR", database.data_dir().display().to_string()),
        ("REDIS_URL", redis_url.clone()),
        ("REDIS_KEY_PREFIX", prefix.clone()),
        ("SMTP_URL", sink.url()),
        ("LISTEN_ADDR", "127.0.0.1:0".into()),
        ("METRICS_ADDR", "127.0.0.1:0".into()),
        ("MAIL_RATE_PER_SECOND", "400".into()),
        ("MAIL_VISIBILITY_TIMEOUT", "2".into()),
    ]);
    env.extend(database.settings());
    let config = common::config::Config::from_lookup(|k| env.get(k).cloned()).unwrap();
    let db = common::db::connect(&config).await.unwrap();
    common::db::prepare_schema(&config, &db).await.unwrap();

    let recipients: Vec<String> = (0..RECIPIENTS).map(|i| format!("habitant{i}@example.fr")).collect();
    let txn = db.begin().await.unwrap();
    let event = NewEvent {
        kind: "test.fan_out".into(),
        payload: json!({
            "recipients": recipients,
            "mail": { "template": "notice", "params": { "subject": "Grande diffusion", "body": "Bonjour." } },
        }),
        idempotency_key: "fan-out".into(),
    };
    outbox::record(&txn, None, event).await.unwrap();
    txn.commit().await.unwrap();

    // First worker: killed without warning a third of the way through.
    let mut first = start_worker(&env);
    // Mid-batch, so some sent mails are not yet marked sent.
    sink.wait_for(RECIPIENTS / 3 + 37, Duration::from_secs(120)).await;
    first.0.kill().unwrap();
    first.0.wait().unwrap();
    let at_kill = sink.count();

    // Redis loses everything the platform had in it.
    let client = redis::Client::open(redis_url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> =
        redis::cmd("KEYS").arg(format!("{prefix}:*")).query_async(&mut conn).await.unwrap();
    if !keys.is_empty() {
        let _: () = redis::cmd("DEL").arg(&keys).query_async(&mut conn).await.unwrap();
    }

    // Second worker: picks up from the database alone.
    let mut second = start_worker(&env);
    // Duplicates count among the mails received, so wait for every recipient,
    // not for as many mails as recipients.
    let deadline = std::time::Instant::now() + Duration::from_secs(180);
    while recipients_of(&sink.received()).into_iter().collect::<HashSet<_>>().len() < RECIPIENTS
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Stragglers (a duplicate still being sent) get a moment to land before counting.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut seen = HashSet::new();
    let all = recipients_of(&sink.received());
    let duplicates = all.iter().filter(|r| !seen.insert((*r).clone())).count();
    assert_eq!(seen.len(), RECIPIENTS, "every recipient has the mail");
    assert!(seen.iter().all(|r| recipients.contains(r)));
    // In flight at the kill: at most the jobs in hand, each of a batch of deliveries.
    let settings = notifications::worker::WorkerSettings::from_config(&config);
    let in_flight = settings.jobs_per_receive * settings.deliveries_per_job;
    assert!(duplicates <= in_flight, "{duplicates} duplicates, more than the {in_flight} in flight");
    eprintln!("{at_kill} mails before the kill, {} in all, {duplicates} duplicates", all.len());

    Command::new("kill").args(["-TERM", &second.0.id().to_string()]).status().unwrap();
    let status = second.0.wait().unwrap();
    assert!(status.success(), "{status:?}");
}
