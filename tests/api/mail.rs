//! The mail pipeline against a real SMTP server, real Redis and the test database.
use std::{sync::Arc, time::Duration};

use common::{
    TenantScope,
    outbox::{self, NewEvent},
};
use entity::delivery;
use notifications::{
    job::Job,
    mailer::SmtpMailer,
    metrics::MailMetrics,
    queue::{JobQueue, MemoryQueue, RedisQueue, RedisQueueSettings},
    worker::{Outcome, Worker, WorkerSettings},
};
use participation_tests::{
    PLATFORM_DOMAIN, TestApp,
    smtp::{Reply, SmtpSink},
    spawn_app, spawn_app_running_worker,
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

async fn redis_queue(prefix: &str, visibility: Duration) -> RedisQueue {
    let mut settings = RedisQueueSettings::new(prefix);
    settings.visibility_timeout = visibility;
    settings.max_deliveries = 3;
    RedisQueue::connect(&redis_url(), settings).await.expect("redis queue")
}

pub(crate) fn worker(app: &TestApp, sink: &SmtpSink, queue: Arc<dyn JobQueue>) -> Worker {
    let config = app.state.config.clone();
    let settings = WorkerSettings {
        retry_base: Duration::ZERO,
        requeue_after: Duration::ZERO,
        receive_wait: Duration::from_millis(20),
        max_attempts: 3,
        ..WorkerSettings::from_config(&config)
    };
    Worker {
        db: app.db().clone(),
        queue,
        mailer: Arc::new(SmtpMailer::from_url(&sink.url(), 0, Duration::from_secs(5)).unwrap()),
        signing_key: app.state.signing_key.clone(),
        config,
        settings,
        metrics: MailMetrics::register(&prometheus::Registry::new()).unwrap(),
        prepared: Default::default(),
    }
}

/// Relays and works until the queue is empty.
pub(crate) async fn drain(worker: &Worker) {
    for _ in 0..1000 {
        worker.relay_once().await.unwrap();
        if worker.try_execute_task().await.unwrap() == Outcome::EmptyQueue {
            return;
        }
    }
    panic!("the queue never emptied");
}

pub(crate) fn event(recipients: &[&str], subject: &str) -> NewEvent {
    NewEvent {
        kind: "mail.test".into(),
        payload: json!({
            "recipients": recipients,
            "topic": "announcements",
            "mail": { "template": "notice", "params": { "subject": subject, "body": "Bonjour,\nà bientôt." } },
        }),
        idempotency_key: Uuid::new_v4().to_string(),
    }
}

pub(crate) async fn record(app: &TestApp, tenant: Option<Uuid>, new: NewEvent) -> Uuid {
    let txn = app.db().begin().await.unwrap();
    let id = outbox::record(&txn, tenant.map(TenantScope::for_operator_action), new).await.unwrap();
    txn.commit().await.unwrap();
    id
}

async fn statuses(app: &TestApp, event_id: Uuid) -> Vec<(String, String, i32)> {
    let mut rows: Vec<_> = delivery::Entity::find()
        .filter(delivery::Column::EventId.eq(event_id))
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.recipient, d.status, d.attempts))
        .collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn a_rolled_back_transaction_sends_nothing() {
    let app = spawn_app().await;
    let sink = SmtpSink::start().await;
    let w = worker(&app, &sink, Arc::new(MemoryQueue::new()));
    let txn = app.db().begin().await.unwrap();
    outbox::record(&txn, None, event(&["marie@example.fr"], "Jamais")).await.unwrap();
    txn.rollback().await.unwrap();
    drain(&w).await;
    w.sweep_once().await.unwrap();
    drain(&w).await;
    assert_eq!(entity::outbox::Entity::find().count(app.db()).await.unwrap(), 0);
    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn a_committed_event_sends_exactly_one_mail_per_recipient() {
    let app = spawn_app().await;
    let town = app.create_town("hanches", "28191", "active").await;
    let sink = SmtpSink::start().await;
    let w = worker(&app, &sink, Arc::new(MemoryQueue::new()));
    let recipients = ["marie@example.fr", "Paul@Example.fr", "paul@example.fr", "lea@example.fr"];
    let id = record(&app, Some(town), event(&recipients, "Nouvelle consultation")).await;

    drain(&w).await;
    let mails = sink.received();
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(to, ["lea@example.fr", "marie@example.fr", "paul@example.fr"]);

    // Replaying the event and sweeping again sends nothing more.
    w.queue.publish(&[Job::Expand { event_id: id }]).await.unwrap();
    w.sweep_once().await.unwrap();
    drain(&w).await;
    assert_eq!(sink.received().len(), 3);
    let rows = statuses(&app, id).await;
    assert!(rows.iter().all(|(_, status, attempts)| status == "sent" && *attempts == 1), "{rows:?}");
    assert_eq!(rows.len(), 3);
}

#[tokio::test]
async fn the_same_idempotency_key_records_one_event() {
    let app = spawn_app().await;
    let mut first = event(&["marie@example.fr"], "Une fois");
    first.idempotency_key = "signup-verification-42".into();
    let a = record(&app, None, first.clone()).await;
    let b = record(&app, None, first).await;
    assert_eq!(a, b);
    assert_eq!(entity::outbox::Entity::find().count(app.db()).await.unwrap(), 1);
}

#[tokio::test]
async fn a_temporary_refusal_is_retried_until_it_succeeds() {
    let app = spawn_app().await;
    let sink = SmtpSink::start().await;
    sink.script(2, Reply::Transient);
    let w = worker(&app, &sink, Arc::new(MemoryQueue::new()));
    let id = record(&app, None, event(&["marie@example.fr"], "Réessayer")).await;

    drain(&w).await;
    let row = delivery::Entity::find()
        .filter(delivery::Column::EventId.eq(id))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((row.status.as_str(), row.attempts), ("queued", 1));
    assert!(row.last_error.unwrap_or_default().contains("451"));

    for _ in 0..2 {
        w.sweep_once().await.unwrap();
        drain(&w).await;
    }
    assert_eq!(statuses(&app, id).await, [("marie@example.fr".into(), "sent".into(), 3)]);
    assert_eq!(sink.received().len(), 1);
}

#[tokio::test]
async fn a_permanent_refusal_fails_at_once_and_repeated_refusals_die() {
    let app = spawn_app().await;
    let sink = SmtpSink::start().await;
    let w = worker(&app, &sink, Arc::new(MemoryQueue::new()));

    sink.script(1, Reply::Permanent);
    let failed = record(&app, None, event(&["nobody@example.fr"], "Inconnu")).await;
    drain(&w).await;
    w.sweep_once().await.unwrap();
    drain(&w).await;
    assert_eq!(statuses(&app, failed).await, [("nobody@example.fr".into(), "failed".into(), 1)]);

    sink.script(10, Reply::Transient);
    let dead = record(&app, None, event(&["busy@example.fr"], "Occupé")).await;
    for _ in 0..5 {
        drain(&w).await;
        w.sweep_once().await.unwrap();
    }
    assert_eq!(statuses(&app, dead).await, [("busy@example.fr".into(), "dead".into(), 3)]);
    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn many_mails_share_a_few_smtp_connections() {
    let app = spawn_app().await;
    let sink = SmtpSink::start().await;
    let w = worker(&app, &sink, Arc::new(MemoryQueue::new()));
    let recipients: Vec<String> = (0..120).map(|i| format!("habitant{i}@example.fr")).collect();
    let refs: Vec<&str> = recipients.iter().map(String::as_str).collect();
    record(&app, None, event(&refs, "Lettre d'information")).await;
    drain(&w).await;
    assert_eq!(sink.received().len(), 120);
    // Pooled: about the pool size (8), not one connection per mail.
    assert!(sink.connections() <= 12, "{} connections for 120 mails", sink.connections());
}

#[tokio::test]
async fn headers_read_back_by_a_mime_parser() {
    let app = spawn_app().await;
    let town = app.create_town("hanches", "28191", "active").await;
    let sink = SmtpSink::start().await;
    let w = worker(&app, &sink, Arc::new(MemoryQueue::new()));
    record(&app, Some(town), event(&["élise@example.fr"], "Réunion publique\r\nBcc: intrus@example.fr"))
        .await;
    drain(&w).await;
    let mail = &sink.received()[0];
    let parsed = mail_parser::MessageParser::default().parse(&mail.data).unwrap();
    assert_eq!(parsed.subject(), Some("Réunion publique Bcc: intrus@example.fr"));
    assert!(parsed.bcc().is_none());
    let from = parsed.from().unwrap().first().unwrap();
    assert_eq!(from.name(), Some("Mairie de Hanches"));
    assert_eq!(from.address(), Some(app.state.config.mail_from.as_str()));
    let reply_to = parsed.reply_to().unwrap().first().unwrap();
    assert_eq!(reply_to.address(), Some("mairie@hanches.example.fr"));
    // Message-IDs name the sending domain, never the machine's host name.
    let domain = app.state.config.mail_from.rsplit('@').next().unwrap();
    let message_id = parsed.message_id().unwrap();
    assert!(message_id.ends_with(&format!("@{domain}")), "{message_id}");
    assert!(parsed.date().is_some());
    let text = parsed.body_text(0).unwrap().replace("\r\n", "\n");
    assert!(text.starts_with("Bonjour,\nà bientôt."), "{text}");
    let html = parsed.body_html(0).unwrap();
    assert!(html.contains("Bonjour,<br>à bientôt.") && html.contains("lang=\"fr\""), "{html}");
    assert_eq!(mail.to, ["élise@example.fr"]);

    // One-click unsubscribe (RFC 8058) with a link the platform signed.
    let link = parsed.header_raw("List-Unsubscribe").unwrap().trim().to_owned();
    let prefix = "<http://hanches.participation.test/unsubscribe/";
    assert!(link.starts_with(prefix) && link.ends_with('>'), "{link}");
    let token = &link[prefix.len()..link.len() - 1];
    let claims = notifications::unsubscribe::UnsubscribeToken::verify(token, &app.state.signing_key).unwrap();
    assert_eq!((claims.email.as_str(), claims.tenant_id), ("élise@example.fr", town));
    assert!(text.contains(&link[1..link.len() - 1]));
    assert!(html.contains(&format!("href=\"{}\"", &link[1..link.len() - 1])), "{html}");
    // Lines within the 78 characters RFC 5322 asks for, but the unsubscribe link,
    // which a header cannot fold (and well within the 998 it requires).
    let raw = String::from_utf8_lossy(&mail.data);
    let long: Vec<&str> = raw.lines().filter(|l| l.len() > 78).collect();
    assert!(long.iter().all(|l| l.starts_with("List-Unsubscribe: <") && l.len() <= 998), "{long:?}");
    let post = parsed.header_raw("List-Unsubscribe-Post").unwrap().trim();
    assert_eq!(post, "List-Unsubscribe=One-Click");
}

#[tokio::test]
async fn account_mail_has_no_unsubscribe_and_speaks_english_on_request() {
    let app = spawn_app().await;
    let town = app.create_town("orleans", "45234", "active").await;
    let sink = SmtpSink::start().await;
    let w = worker(&app, &sink, Arc::new(MemoryQueue::new()));
    let mut new = event(&["paul@example.fr"], "Confirm your address");
    new.payload["topic"] = serde_json::Value::Null;
    new.payload["locale"] = json!("en");
    record(&app, Some(town), new).await;
    drain(&w).await;
    let mail = &sink.received()[0];
    let parsed = mail_parser::MessageParser::default().parse(&mail.data).unwrap();
    assert!(parsed.header("List-Unsubscribe").is_none());
    assert_eq!(parsed.from().unwrap().first().unwrap().name(), Some("Mairie d’Orleans"));
    assert!(parsed.body_html(0).unwrap().contains("lang=\"en\""));
}

#[tokio::test]
async fn a_message_left_by_a_dead_worker_is_taken_over_by_another() {
    let app = spawn_app().await;
    let sink = SmtpSink::start().await;
    let prefix = format!("test-{}", Uuid::new_v4().simple());
    let first = redis_queue(&prefix, Duration::from_millis(300)).await;
    let id = record(&app, None, event(&["marie@example.fr", "paul@example.fr"], "Reprise")).await;
    let w = worker(&app, &sink, Arc::new(redis_queue(&prefix, Duration::from_millis(300)).await));
    w.relay_once().await.unwrap();

    // The first consumer takes the job and dies before acknowledging it.
    let taken = first.receive(10, Duration::from_millis(200)).await.unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!(w.try_execute_task().await.unwrap(), Outcome::EmptyQueue);

    tokio::time::sleep(Duration::from_millis(400)).await;
    drain(&w).await;
    assert_eq!(sink.received().len(), 2);
    assert!(statuses(&app, id).await.iter().all(|(_, s, _)| s == "sent"));
}

#[tokio::test]
async fn flushing_redis_mid_run_loses_no_mail() {
    let app = spawn_app().await;
    let sink = SmtpSink::start().await;
    let prefix = format!("test-{}", Uuid::new_v4().simple());
    let w = worker(&app, &sink, Arc::new(redis_queue(&prefix, Duration::from_secs(60)).await));
    let recipients: Vec<String> = (0..40).map(|i| format!("r{i}@example.fr")).collect();
    let refs: Vec<&str> = recipients.iter().map(String::as_str).collect();
    let id = record(&app, None, event(&refs, "Perte de Redis")).await;
    w.relay_once().await.unwrap();
    w.try_execute_task().await.unwrap(); // expanded: 40 deliveries, send jobs queued

    let client = redis::Client::open(redis_url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("DEL").arg(format!("{prefix}:jobs")).query_async(&mut conn).await.unwrap();

    assert_eq!(w.try_execute_task().await.unwrap(), Outcome::EmptyQueue);
    w.sweep_once().await.unwrap();
    drain(&w).await;
    assert_eq!(sink.received().len(), 40);
    assert_eq!(statuses(&app, id).await.len(), 40);
}

#[tokio::test]
async fn unreadable_and_overdelivered_messages_go_to_the_dead_letter_stream() {
    let prefix = format!("test-{}", Uuid::new_v4().simple());
    let queue = redis_queue(&prefix, Duration::from_millis(50)).await;
    let client = redis::Client::open(redis_url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let _: String = redis::cmd("XADD")
        .arg(format!("{prefix}:jobs"))
        .arg("*")
        .arg("job")
        .arg("garbage")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(queue.receive(10, Duration::from_millis(50)).await.unwrap().is_empty());
    assert_eq!(queue.dead_letters().await.unwrap(), 1);

    queue.publish(&[Job::Expand { event_id: Uuid::new_v4() }]).await.unwrap();
    for _ in 0..3 {
        assert_eq!(queue.receive(10, Duration::from_millis(50)).await.unwrap().len(), 1);
        tokio::time::sleep(Duration::from_millis(80)).await;
    }
    assert!(queue.receive(10, Duration::from_millis(50)).await.unwrap().is_empty());
    assert_eq!(queue.dead_letters().await.unwrap(), 2);
    assert_eq!(queue.depth().await.unwrap(), 0);
}

#[tokio::test]
async fn the_embedded_default_writes_mail_files_shown_on_the_dev_page() {
    let app = spawn_app_running_worker(&[]).await;
    record(&app, None, event(&["marie@example.fr"], "Fichier à lire")).await;
    let dir = app.state.config.data_dir.join("mail");
    let mut file = None;
    for _ in 0..200 {
        let files: Vec<_> = std::fs::read_dir(&dir).map(|d| d.flatten().collect()).unwrap_or_default();
        file = files.iter().map(|f| f.file_name().into_string().unwrap()).find(|n| n.ends_with(".eml"));
        if file.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let file = file.unwrap_or_else(|| panic!("no mail file was written under {}", dir.display()));
    let raw = std::fs::read(dir.join(&file)).unwrap();
    let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(parsed.subject(), Some("Fichier à lire"));

    let page = app.get(PLATFORM_DOMAIN, "/_dev/mail").send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Fichier à lire") && html.contains(&file), "{html}");
    let one = app.get(PLATFORM_DOMAIN, &format!("/_dev/mail/{file}")).send().await.unwrap();
    assert_eq!(one.headers()["content-type"], "text/plain; charset=utf-8");
    assert!(one.text().await.unwrap().contains("Subject:"));
    for bad in ["/_dev/mail/..%2Fsigning.key", "/_dev/mail/missing.eml"] {
        assert_eq!(app.get(PLATFORM_DOMAIN, bad).send().await.unwrap().status(), 404, "{bad}");
    }
    let metrics = app.client.get(format!("{}/metrics", app.metrics_address)).send().await.unwrap();
    let text = metrics.text().await.unwrap();
    assert!(text.contains("mail_deliveries_total{status=\"sent\"} 1"), "{text}");
}

#[tokio::test]
async fn with_smtp_configured_the_platform_sends_through_it_and_has_no_dev_page() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_running_worker(&[("SMTP_URL", sink.url())]).await;
    let town = app.create_town("hanches", "28191", "active").await;
    record(&app, Some(town), event(&["marie@example.fr", "paul@example.fr"], "Par SMTP")).await;
    let mails = sink.wait_for(2, Duration::from_secs(20)).await;
    assert_eq!(mails.len(), 2);
    assert_eq!(app.get(PLATFORM_DOMAIN, "/_dev/mail").send().await.unwrap().status(), 404);
}
