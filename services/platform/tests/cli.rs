//! The `participation` binary as an operator runs it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test fails
use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use sea_orm::{ActiveModelTrait, ConnectionTrait, Database};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_participation");

fn participation(data_dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DATA_DIR", data_dir)
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .env("METRICS_ADDR", "127.0.0.1:0");
    cmd
}

#[test]
fn help_lists_the_commands() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("serve") && text.contains("migrate"), "{text}");
}

#[test]
fn a_bad_setting_stops_with_one_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    for (var, value) in [
        ("LISTEN_ADDR", "nowhere"),
        ("METRICS_ADDR", "127.0.0.1:70000"),
        ("PLATFORM_DOMAIN", "https://x.fr/"),
        ("PUBLIC_URL_SCHEME", "gopher"),
        ("DATABASE_URL", "oracle://db"),
        ("REDIS_URL", "localhost"),
        ("SMTP_URL", "mail"),
        ("MAIL_FROM", "nobody"),
        ("AUTH_RATE_LIMIT", "lots"),
    ] {
        let out = participation(dir.path()).env(var, value).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{var}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.trim_end().lines().count(), 1, "{var}: {err}");
        assert!(err.contains(var) && !err.contains("panicked"), "{var}: {err}");
    }
}

#[test]
fn an_unreachable_database_is_a_clear_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let out = participation(dir.path())
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("DATABASE_URL") && !err.contains("panicked"), "{err}");
}

/// A running `participation serve` whose JSON log lines arrive on a channel.
struct Running {
    child: Child,
    logs: mpsc::Receiver<Value>,
    port: u16,
    metrics_port: u16,
}

impl Running {
    fn start(mut cmd: Command) -> Running {
        let mut child = cmd.arg("serve").stderr(Stdio::piped()).spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, logs) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let Ok(json) = serde_json::from_str::<Value>(&line) else {
                    panic!("log line is not JSON: {line}");
                };
                if tx.send(json).is_err() {
                    break;
                }
            }
        });
        let listening = wait_for(&logs, |l| l["fields"]["message"] == "listening");
        let port = listening["fields"]["port"].as_u64().unwrap() as u16;
        let metrics_port = listening["fields"]["metrics_port"].as_u64().unwrap() as u16;
        Running { child, logs, port, metrics_port }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        for _ in 0..100 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        self.child.kill().ok();
        panic!("did not stop within 10 s of SIGTERM");
    }
}

fn wait_for(logs: &mpsc::Receiver<Value>, found: impl Fn(&Value) -> bool) -> Value {
    loop {
        let line = logs.recv_timeout(Duration::from_secs(60)).expect("expected log line");
        if found(&line) {
            return line;
        }
    }
}

async fn add_town(database_url: &str) -> uuid::Uuid {
    let db = Database::connect(database_url).await.unwrap();
    let id = entity::tenant::ActiveModel::new_town(entity::tenant::NewTown {
        slug: "saint-eloy",
        insee_code: "63338",
        name: "Saint-Éloy-les-Mines",
        status: "active",
        contact_email: "mairie@example.fr",
        contact_name: "Mairie",
    })
    .insert(&db)
    .await
    .unwrap()
    .id;
    db.close().await.unwrap();
    id
}

/// Migrates, serves, answers, logs request and tenant ids, stops cleanly on SIGTERM.
async fn full_run(dir: &std::path::Path, database_url: Option<&str>) {
    let with_db = |mut cmd: Command| {
        if let Some(url) = database_url {
            cmd.env("DATABASE_URL", url);
        }
        cmd
    };
    let migrate = with_db(participation(dir)).arg("migrate").output().unwrap();
    assert!(migrate.status.success(), "{}", String::from_utf8_lossy(&migrate.stderr));
    let again = with_db(participation(dir)).arg("migrate").output().unwrap();
    assert!(again.status.success());

    let sqlite_url = format!("sqlite://{}/participation.db", dir.display());
    let town = add_town(database_url.unwrap_or(&sqlite_url)).await;
    if database_url.is_none() {
        assert!(dir.join("participation.db").exists());
    }

    let app = Running::start(with_db(participation(dir)));
    let client = reqwest::Client::new();
    let health = client.get(app.url("/healthz")).header("Host", "localhost:8080").send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let unknown = client.get(app.url("/")).header("Host", "nowhere.example").send().await.unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(unknown.headers()["content-type"], "application/problem+json");
    let body: Value = unknown.json().await.unwrap();
    assert_eq!(body["code"], "unknown_host");

    let res = client
        .get(app.url("/api/v1/openapi.json"))
        .header("Host", "saint-eloy.localhost:8080")
        .header("X-Request-Id", "trace-me-1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let line = wait_for(&app.logs, |l| {
        l["span"]["request_id"] == "trace-me-1" && l["fields"]["message"] == "request served"
    });
    assert_eq!(line["span"]["tenant_id"], town.to_string(), "{line}");
    assert_eq!(line["fields"]["status"], 200);

    let metrics = client.get(format!("http://127.0.0.1:{}/metrics", app.metrics_port)).send().await.unwrap();
    assert!(metrics.text().await.unwrap().contains("http_requests_total"));

    let status = app.terminate();
    assert!(status.success(), "exit status after SIGTERM: {status:?}");
}

/// SQLite under `DATA_DIR` by default; a fresh PostgreSQL database when
/// `TEST_DATABASE_URL` is set (the CI's second pass).
#[tokio::test]
async fn the_binary_runs_on_the_configured_database() {
    let dir = tempfile::tempdir().unwrap();
    let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
        full_run(dir.path(), None).await;
        return;
    };
    let name = format!("test_cli_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(&admin_url).await.unwrap();
    admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
    let url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);
    full_run(dir.path(), Some(&url)).await;
    admin.execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)")).await.unwrap();
}

#[test]
fn operator_create_prints_a_one_time_link_and_sets_no_password() {
    let dir = tempfile::tempdir().unwrap();
    let run = || {
        participation(dir.path()).args(["operator", "create", "--email", "Ops@Example.fr"]).output().unwrap()
    };
    let first = run();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let link = String::from_utf8(first.stdout).unwrap();
    assert_eq!(link.lines().count(), 1, "{link}");
    assert!(link.starts_with("http://localhost:8080/password/reset?token="), "{link}");
    // Asked again, the same operator gets a new link, never a second account.
    let second = String::from_utf8(run().stdout).unwrap();
    assert_ne!(link, second);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let url = format!("sqlite://{}/participation.db?mode=rwc", dir.path().display());
        let db = Database::connect(&url).await.unwrap();
        let rows = db
            .query_all_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT email, password_hash, tenant_id FROM users",
            ))
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].try_get::<String>("", "email").unwrap(), "ops@example.fr");
        assert_eq!(rows[0].try_get::<Option<String>>("", "password_hash").unwrap(), None);
    });
    let bad = participation(dir.path()).args(["operator", "create", "--email", "nobody"]).output().unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not an e-mail address"));
}
