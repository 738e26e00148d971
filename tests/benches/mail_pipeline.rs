//! One event fanned out to 10,000 recipients through the whole pipeline (outbox,
//! relay, queue, expansion, deliveries, SMTP), and, in the same run, lettre alone
//! sending the same messages over a pooled connection to the same kind of sink.
//!
//! `cargo bench -p participation-tests --bench mail_pipeline` (SQLite and the
//! in-process queue); with `TEST_DATABASE_URL` and `TEST_REDIS_URL`, PostgreSQL
//! and Redis Streams. `MAIL_BENCH_RECIPIENTS` changes the 10,000, `MAIL_BENCH_ROUNDS`
//! the 5 rounds whose medians are reported.
use std::time::{Duration, Instant};

use common::{
    TenantScope,
    outbox::{self, NewEvent},
};
use futures_util::{StreamExt, stream};
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Tokio1Executor,
    transport::smtp::{PoolConfig, client::AsyncSmtpConnection, extension::ClientId},
};
use notifications::compose::{MailPayload, Sender, compose, draft};
use participation_tests::{
    bench::{BenchWorld, memory_mib},
    smtp::SmtpSink,
};
use sea_orm::{ActiveModelTrait, DatabaseConnection, TransactionTrait};
use serde_json::json;
use tokio_util::sync::CancellationToken;

/// CPU seconds (user + system) this process has used so far.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(f64::NAN);
    (ticks(11) + ticks(12)) / 100.0
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("MAIL_BENCH_RECIPIENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let rounds: usize =
        std::env::var("MAIL_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(5).max(1);
    let world = BenchWorld::start().await;
    let (db, sink, worker) = (&world.db, &world.sink, world.worker.clone());
    let (config, signing_key) = (worker.config.clone(), worker.signing_key.clone());
    // A town's newsletter: each copy carries its reader's signed unsubscribe link.
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
    let recipients: Vec<String> = (0..n).map(|i| format!("habitant{i}@example.fr")).collect();
    let payload = json!({
        "recipients": recipients,
        "topic": "announcements",
        "mail": { "template": "notice", "params": {
            "subject": "Lettre d’information de la commune",
            "body": "Bonjour,\n\nLa consultation sur le plan vélo est ouverte jusqu’au 15 décembre.\n\nÀ bientôt.",
        }},
    });

    // A first pipeline run, before anything else is held in memory, gives the
    // pipeline's peak memory; it also warms the worker and both databases.
    let stop = CancellationToken::new();
    let running = tokio::spawn(worker.clone().run_until_stopped(stop.clone()));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let warm_up = pipeline_round(db, sink, town.id, &payload, 0, n).await;
    let pipeline_peak = memory_mib("VmHWM:");

    // lettre alone sends the same messages, composed beforehand.
    let parsed: MailPayload = serde_json::from_value(payload.clone()).expect("payload");
    let sender = Sender { config: &config, signing_key: &signing_key, town: Some(&town) };
    let started = Instant::now();
    let draft = draft(&sender, &parsed).expect("draft");
    let messages: Vec<_> =
        recipients.iter().map(|r| compose(&sender, &parsed, &draft, r).expect("compose")).collect();
    let bytes: usize = messages.iter().map(|m| m.formatted().len()).sum();
    let composing = started.elapsed();

    // The two paths take turns, so that a machine slowed for a while by something
    // else weighs on both; each figure is the median of its rounds.
    let mut pipeline_rounds = Vec::new();
    let mut alone_rounds = Vec::new();
    for round in 0..rounds {
        pipeline_rounds.push(pipeline_round(db, sink, town.id, &payload, round + 1, n).await);
        alone_rounds.push(lettre_alone_round(&messages).await);
        let (p, a) = (&pipeline_rounds[round], &alone_rounds[round]);
        println!(
            "round {}: pipeline {:.2} s ({:.2} CPU-s), lettre alone {:.2} s ({:.2} CPU-s), ratio {:.2}",
            round + 1,
            p.elapsed.as_secs_f64(),
            p.cpu,
            a.elapsed.as_secs_f64(),
            a.cpu,
            a.elapsed.as_secs_f64() / p.elapsed.as_secs_f64()
        );
    }
    stop.cancel();
    let _ = running.await;
    let peak = memory_mib("VmHWM:");
    println!("warm-up pipeline run (not in the medians): {:.2} s", warm_up.elapsed.as_secs_f64());
    let pipeline = median(pipeline_rounds.iter().map(|r| r.elapsed));
    let first_mail = median(pipeline_rounds.iter().map(|r| r.first_mail));
    let alone = median(alone_rounds.iter().map(|r| r.elapsed));
    let pipeline_cpu = median_f64(pipeline_rounds.iter().map(|r| r.cpu));
    let alone_cpu = median_f64(alone_rounds.iter().map(|r| r.cpu));
    let lanes = notifications::mailer::POOL_SIZE;

    // For reference: lettre's own pooled transport, whose sockets keep Nagle's algorithm.
    let sample = n.min(500);
    let pooled_sink = SmtpSink::start_counting().await;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&pooled_sink.url())
        .expect("transport")
        .pool_config(PoolConfig::new().max_size(8))
        .build();
    let started = Instant::now();
    stream::iter(messages.into_iter().take(sample))
        .map(|m| {
            let t = transport.clone();
            async move { t.send(m).await.expect("send") }
        })
        .buffer_unordered(lanes)
        .collect::<Vec<_>>()
        .await;
    let pooled = started.elapsed();

    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    let backends = world.backends();
    println!(
        "mail fan-out of one event to {n} recipients ({backends}, local SMTP sink), \
         median of {rounds} rounds"
    );
    println!("| path | seconds | mails/s |");
    println!("|---|---:|---:|");
    println!(
        "| whole pipeline (commit → last mail accepted) | {:.2} | {:.0} |",
        pipeline.as_secs_f64(),
        rate(pipeline)
    );
    println!(
        "| lettre alone, {lanes} connections with TCP_NODELAY | {:.2} | {:.0} |",
        alone.as_secs_f64(),
        rate(alone)
    );
    println!(
        "| lettre's own pooled transport, {lanes} at once ({sample} mails) | {:.2} | {:.0} |",
        pooled.as_secs_f64(),
        sample as f64 / pooled.as_secs_f64()
    );
    println!(
        "first mail accepted {:.0} ms after the commit (relay, expansion into {n} deliveries); \
         steady rate after it: {:.0} mails/s",
        first_mail.as_secs_f64() * 1000.0,
        (n - 1) as f64 / (pipeline - first_mail).as_secs_f64()
    );
    println!(
        "composing and formatting the {n} copies alone, on one core: {:.0} ms ({:.1} KiB a copy)",
        composing.as_secs_f64() * 1000.0,
        bytes as f64 / n as f64 / 1024.0
    );
    println!("ratio pipeline / lettre alone: {:.2}", rate(pipeline) / rate(alone));
    println!(
        "CPU of this process (sender and sink; the database server is apart): \
         pipeline {pipeline_cpu:.2} s, lettre alone {alone_cpu:.2} s, on {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "peak resident memory of the bench process (sink included) through the first pipeline run: \
         {pipeline_peak:.1} MiB; through the whole bench, with the {n} copies composed for lettre alone: \
         {peak:.1} MiB"
    );
}

/// One timed run of a path.
struct Round {
    elapsed: Duration,
    first_mail: Duration,
    cpu: f64,
}

/// The whole pipeline, as a town sees it: the worker is already running and idle
/// when the newsletter is committed, and the clock starts at the commit.
async fn pipeline_round(
    db: &DatabaseConnection,
    sink: &SmtpSink,
    town: uuid::Uuid,
    payload: &serde_json::Value,
    round: usize,
    n: usize,
) -> Round {
    let before = sink.count();
    let started = Instant::now();
    let cpu_before = cpu_seconds();
    let txn = db.begin().await.expect("begin");
    outbox::record(
        &txn,
        Some(TenantScope::for_operator_action(town)),
        NewEvent {
            kind: "bench".into(),
            payload: payload.clone(),
            idempotency_key: format!("bench-{round}"),
        },
    )
    .await
    .expect("record");
    txn.commit().await.expect("commit");
    while sink.count() == before {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let first_mail = started.elapsed();
    sink.wait_for(before + n, Duration::from_secs(600)).await;
    Round { elapsed: started.elapsed(), first_mail, cpu: cpu_seconds() - cpu_before }
}

/// lettre alone: the composed messages over as many connections as the pipeline
/// sends on at once, each opened with TCP_NODELAY as the mailer does.
async fn lettre_alone_round(messages: &[lettre::Message]) -> Round {
    let sink = SmtpSink::start_counting().await;
    let lanes = notifications::mailer::POOL_SIZE;
    let started = Instant::now();
    let cpu_before = cpu_seconds();
    let mut tasks = Vec::new();
    for lane in 0..lanes {
        let share: Vec<_> = messages.iter().skip(lane).step_by(lanes).cloned().collect();
        let addr = sink.addr;
        tasks.push(tokio::spawn(async move {
            let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
            tcp.set_nodelay(true).expect("nodelay");
            let hello = ClientId::default();
            let mut conn =
                AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &hello).await.expect("ehlo");
            for m in share {
                conn.send(m.envelope(), &m.formatted()).await.expect("send");
            }
        }));
    }
    for task in tasks {
        task.await.expect("lane");
    }
    let elapsed = started.elapsed();
    assert_eq!(sink.count(), messages.len());
    Round { elapsed, first_mail: Duration::ZERO, cpu: cpu_seconds() - cpu_before }
}

fn median(values: impl Iterator<Item = Duration>) -> Duration {
    let mut v: Vec<Duration> = values.collect();
    v.sort();
    v[v.len() / 2]
}

fn median_f64(values: impl Iterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
