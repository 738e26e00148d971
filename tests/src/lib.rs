//! Test harness: each test gets its own app on a random port and its own database —
//! a SQLite file by default, a fresh PostgreSQL database when `TEST_DATABASE_URL` is set.
pub mod bench;
pub mod database;
pub mod smtp;

use std::collections::HashMap;

use actix_web::web;
use chrono::Utc;
use common::{
    AppState,
    config::Config,
    server::{Application, ServiceSpec, StopHandle},
};
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use uuid::Uuid;

pub use database::TestDatabase;

/// The platform domain every test app uses; towns live at `<slug>.participation.test`.
pub const PLATFORM_DOMAIN: &str = "participation.test";

/// A running app and handles on what it uses.
pub struct TestApp {
    pub address: String,
    pub metrics_address: String,
    pub state: AppState,
    pub client: reqwest::Client,
    stop: StopHandle,
    // Dropped after the server is stopped (field order).
    database: TestDatabase,
}

/// Starts the platform with every service.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Vec::new()).await
}

/// Starts the platform with every service plus `extra` ones (test-only routes).
/// Background tasks (the mail worker) do not run: tests drive them step by step.
pub async fn spawn_app_with(extra: Vec<ServiceSpec>) -> TestApp {
    spawn(extra, &[], false).await
}

/// Starts the platform as `participation serve` runs it, mail worker included,
/// with extra settings (e.g. `SMTP_URL`).
pub async fn spawn_app_running_worker(settings: &[(&'static str, String)]) -> TestApp {
    spawn(Vec::new(), settings, true).await
}

async fn spawn(extra: Vec<ServiceSpec>, settings: &[(&'static str, String)], background: bool) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        common::telemetry::init();
    }
    let database = TestDatabase::create().await;
    let mut env: HashMap<&str, String> = HashMap::from([
        ("LISTEN_ADDR", "127.0.0.1:0".into()),
        ("METRICS_ADDR", "127.0.0.1:0".into()),
        ("PLATFORM_DOMAIN", PLATFORM_DOMAIN.into()),
        ("DATA_DIR", database.data_dir().display().to_string()),
        // Cheap hashes: the suite logs in hundreds of times on debug builds.
        ("ARGON2_MEMORY_KIB", "256".into()),
        ("ARGON2_ITERATIONS", "1".into()),
    ]);
    if let Ok(redis) = std::env::var("TEST_REDIS_URL") {
        env.insert("REDIS_URL", redis);
        // Each test's keys apart from every other's.
        env.insert("REDIS_KEY_PREFIX", format!("test-{}", Uuid::new_v4().simple()));
    }
    env.extend(database.settings());
    env.extend(settings.iter().cloned());
    let config = Config::from_lookup(|k| env.get(k).cloned()).expect("test configuration");
    let mut services = platform::services();
    if !background {
        services.iter_mut().for_each(|s| s.background = None);
    }
    services.extend(extra);
    let app = Application::build(config, "participation", services).await.expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics_address = format!("http://127.0.0.1:{}", app.metrics_port());
    let state = app.state().clone();
    let stop = app.stop_handle();
    tokio::spawn(app.run_until_stopped());
    let client =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let test_app = TestApp { address, metrics_address, state, client, stop, database };
    test_app.wait_until_healthy().await;
    test_app
}

impl TestApp {
    /// The database the app runs on.
    pub fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// A connection as the schema's owner (on SQLite, the app's own).
    pub async fn owner_db(&self) -> DatabaseConnection {
        match self.database.settings().into_iter().find(|(k, _)| *k == "MIGRATION_DATABASE_URL") {
            Some((_, url)) => sea_orm::Database::connect(url).await.expect("owner connection"),
            None => self.db().clone(),
        }
    }

    /// A request to `path` as if sent to `host`.
    pub fn request(&self, method: reqwest::Method, host: &str, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, format!("{}{path}", self.address)).header("Host", host)
    }

    /// GET `path` on `host`.
    pub fn get(&self, host: &str, path: &str) -> reqwest::RequestBuilder {
        self.request(reqwest::Method::GET, host, path)
    }

    /// POST `path` on `host`.
    pub fn post(&self, host: &str, path: &str) -> reqwest::RequestBuilder {
        self.request(reqwest::Method::POST, host, path)
    }

    /// The host name of the town `slug`.
    pub fn town_host(slug: &str) -> String {
        format!("{slug}.{PLATFORM_DOMAIN}")
    }

    /// Inserts a town directly (signup is another suite's business) and returns its id.
    pub async fn create_town(&self, slug: &str, insee_code: &str, status: &str) -> Uuid {
        let town = entity::tenant::ActiveModel::new_town(entity::tenant::NewTown {
            slug,
            insee_code,
            name: &town_name(slug),
            status,
            contact_email: &format!("mairie@{slug}.example.fr"),
            contact_name: "Secrétariat",
        });
        town.insert(self.db()).await.expect("insert town").id
    }

    /// Attaches a custom domain to a town.
    pub async fn add_domain(&self, tenant_id: Uuid, domain: &str) {
        entity::tenant_domain::ActiveModel {
            id: Set(Uuid::new_v4()),
            tenant_id: Set(tenant_id),
            domain: Set(domain.into()),
            created_at: Set(Utc::now()),
        }
        .insert(self.db())
        .await
        .expect("insert domain");
        self.state.resolver.invalidate_all();
    }

    async fn wait_until_healthy(&self) {
        for _ in 0..100 {
            let res = self.client.get(format!("{}/healthz", self.address)).send().await;
            if res.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("the app did not become healthy");
    }
}

/// "saint-eloy" → "Saint-eloy": a plausible town name for a slug.
fn town_name(slug: &str) -> String {
    let mut chars = slug.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop.stop_now();
    }
}

/// A service adding routes only tests need (e.g. a JSON endpoint to probe body handling).
pub fn test_routes(configure: fn(&mut web::ServiceConfig)) -> ServiceSpec {
    ServiceSpec { name: "test", configure, openapi: utoipa_empty, background: None }
}

fn utoipa_empty() -> utoipa::openapi::OpenApi {
    utoipa::openapi::OpenApiBuilder::new().build()
}
