//! The ceiling of the HTTP benchmark (`tests/bench/run.py`): a bare actix-web
//! server on the product's database pool (`common::db::connect`, so the same
//! `DATABASE_URL`, `DATABASE_POOL_SIZE`, timeouts) and the product's worker
//! count and request timeout, with nothing else: no tenancy middleware, no
//! metrics, no security headers, no auth.
//!
//! - any `GET`: one indexed SELECT, the town named by the Host header's first
//!   label (`slug.PLATFORM_DOMAIN`), its 20 newest published consultations
//!   (index `idx_consultations_tenant_status`, `tenants.slug` unique), as JSON;
//! - any `POST`: the JSON body is parsed, then one single-row INSERT into the
//!   scratch table `bench_ceiling_writes`, which it creates on start.
//!
//! Same environment as `participation` (`DATABASE_URL`, `DATABASE_POOL_SIZE`,
//! `LISTEN_ADDR`…). Not part of the product.
use std::{net::TcpListener, process::ExitCode, time::Duration};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::{DateTime, Utc};
use common::config::Config;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, FromQueryResult, Statement};
use serde::Serialize;
use uuid::Uuid;

const READ: &str = "SELECT c.id, c.kind, c.status, c.title, c.summary, c.body_html, c.audience, \
     c.opens_at, c.closes_at, c.budget_cents, c.published_at, c.created_at \
     FROM consultations c \
     WHERE c.tenant_id = (SELECT t.id FROM tenants t WHERE t.slug = $1 AND t.status = 'active') \
       AND c.status = 'published' \
     ORDER BY c.created_at DESC, c.id DESC LIMIT 20";

const CREATE: &str = "CREATE TABLE IF NOT EXISTS bench_ceiling_writes (\
     id uuid PRIMARY KEY, host text NOT NULL, created_at timestamptz NOT NULL)";

const INSERT: &str = "INSERT INTO bench_ceiling_writes (id, host, created_at) VALUES ($1, $2, $3)";

#[derive(Debug, Serialize, FromQueryResult)]
struct Row {
    id: Uuid,
    kind: String,
    status: String,
    title: String,
    summary: String,
    body_html: String,
    audience: String,
    opens_at: Option<DateTime<Utc>>,
    closes_at: Option<DateTime<Utc>>,
    budget_cents: Option<i64>,
    published_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

fn host(req: &HttpRequest) -> String {
    req.headers().get("host").and_then(|h| h.to_str().ok()).unwrap_or_default().to_owned()
}

async fn read(req: HttpRequest, db: web::Data<DatabaseConnection>) -> HttpResponse {
    let host = host(&req);
    let slug = host.split('.').next().unwrap_or_default().to_owned();
    let stmt = Statement::from_sql_and_values(DbBackend::Postgres, READ, [slug.into()]);
    match Row::find_by_statement(stmt).all(db.get_ref()).await {
        Ok(rows) => HttpResponse::Ok().json(rows),
        Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
    }
}

async fn write(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    _body: web::Json<serde_json::Value>,
) -> HttpResponse {
    let stmt = Statement::from_sql_and_values(
        DbBackend::Postgres,
        INSERT,
        [Uuid::now_v7().into(), host(&req).into(), Utc::now().into()],
    );
    match db.execute_raw(stmt).await {
        Ok(_) => HttpResponse::Created().json(serde_json::json!({ "ok": true })),
        Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
    }
}

type Error = Box<dyn std::error::Error>;

async fn serve() -> Result<(), Error> {
    let config = Config::from_env().map_err(|e| format!("{}: {}", e.var, e.reason))?;
    let db = common::db::connect(&config).await.map_err(|e| format!("{e:#}"))?;
    // A role that owns nothing may not even try CREATE: the runner makes the table first.
    let exists = db.query_one_raw(Statement::from_string(
        DbBackend::Postgres,
        "SELECT to_regclass('bench_ceiling_writes') IS NOT NULL AS made",
    ));
    if !exists.await?.map(|r| r.try_get::<bool>("", "made")).transpose()?.unwrap_or(false) {
        db.execute_unprepared(CREATE).await?;
    }
    let listener = TcpListener::bind(config.listen_addr)?;
    let data = web::Data::new(db);
    // As `common::server`: actix's default worker count, the same request timeout.
    HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::JsonConfig::default().limit(256 * 1024))
            .route("/{tail:.*}", web::get().to(read))
            .route("/{tail:.*}", web::post().to(write))
    })
    .client_request_timeout(Duration::from_secs(10))
    .shutdown_timeout(1)
    .listen(listener)?
    .run()
    .await?;
    Ok(())
}

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("bench_ceiling: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_ceiling: {e}");
            ExitCode::FAILURE
        }
    }
}
