//! Builds the HTTP application around one or several services and runs it.
use std::{net::TcpListener, sync::Arc, time::Duration};

use actix_web::{App, HttpResponse, HttpServer, dev::Server, middleware::from_fn, web};
use anyhow::Context;
use futures_util::future::BoxFuture;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use utoipa::OpenApi;

use crate::{
    config::{Config, DatabaseKind},
    db, health, http,
    metrics::{self, Metrics},
    state::AppState,
    tenancy::{self, SiteResolver},
};

/// A mountable service: its routes, its part of the OpenAPI document, and the
/// background task it runs beside them (the mail worker).
#[derive(Clone, Copy)]
pub struct ServiceSpec {
    pub name: &'static str,
    pub configure: fn(&mut web::ServiceConfig),
    pub openapi: fn() -> utoipa::openapi::OpenApi,
    pub background: Option<BackgroundTask>,
}

/// Starts a task that runs beside the HTTP server until shutdown.
pub type BackgroundTask = fn(BackgroundContext) -> BoxFuture<'static, anyhow::Result<()>>;

/// What a background task gets: the shared state, and a token cancelled at shutdown.
#[derive(Clone)]
pub struct BackgroundContext {
    pub state: AppState,
    pub stop: CancellationToken,
}

/// A built application, bound to its ports and ready to run.
pub struct Application {
    port: u16,
    metrics_port: u16,
    server: Server,
    metrics_server: Server,
    state: AppState,
    stop: CancellationToken,
    background: Vec<JoinHandle<()>>,
}

/// Longest wait at shutdown for background tasks to finish the work in hand.
const BACKGROUND_GRACE: Duration = Duration::from_secs(30);

impl Application {
    /// Connects to the database, migrates it, binds both listeners and mounts `services`.
    pub async fn build(config: Config, name: &str, services: Vec<ServiceSpec>) -> anyhow::Result<Self> {
        let mut db = db::connect(&config).await?;
        db::prepare_schema(&config, &db).await?;
        if config.database_kind == DatabaseKind::Postgres && !db::row_security_binds(&db).await? {
            tracing::warn!(
                "the database role of DATABASE_URL bypasses row-level security (a superuser or BYPASSRLS): \
                 towns are kept apart by the code alone"
            );
        }
        let redis = match &config.redis_url {
            Some(url) => Some(connect_redis(url.expose()).await?),
            None => None,
        };
        let metrics = Metrics::new(name).context("cannot register metrics")?;
        // Set before the connection is shared: clones made later carry it.
        let counted = metrics.clone();
        db.set_metric_callback(move |info| counted.observe_query(info.elapsed, info.failed));
        let listener = TcpListener::bind(config.listen_addr)
            .with_context(|| format!("cannot listen on LISTEN_ADDR {}", config.listen_addr))?;
        let metrics_listener = TcpListener::bind(config.metrics_addr)
            .with_context(|| format!("cannot listen on METRICS_ADDR {}", config.metrics_addr))?;
        let port = listener.local_addr()?.port();
        let metrics_port = metrics_listener.local_addr()?.port();
        let signing_key = crate::signing::SigningKey::load_or_create(&config)?;
        let jwt = Arc::new(crate::auth::JwtKeys::load_or_create(&config)?);
        let auth_rate_limit = crate::rate_limit::RateLimiter::new(
            config.auth_rate_limit,
            redis.clone(),
            &config.redis_key_prefix,
        );
        let state = AppState {
            signing_key,
            jwt,
            auth_rate_limit,
            resolver: SiteResolver::new(&config.platform_domain, db.clone()),
            config: Arc::new(config),
            db,
            redis,
            metrics: metrics.clone(),
        };
        let openapi = web::Data::new(openapi_json(&services)?);
        let stop = CancellationToken::new();
        state.resolver.follow_changes(stop.clone());
        tenancy::revisions::follow_writes(&state.db, stop.clone());
        let mut background = Vec::new();
        for service in &services {
            if let Some(start) = service.background {
                let task = start(BackgroundContext { state: state.clone(), stop: stop.clone() });
                let name = service.name;
                background.push(tokio::spawn(async move {
                    if let Err(e) = task.await {
                        tracing::error!(service = name, error = format!("{e:#}"), "background task stopped");
                    }
                }));
            }
        }
        let data = web::Data::new(state.clone());
        let server = HttpServer::new(move || {
            let services = services.clone();
            App::new()
                .app_data(data.clone())
                .app_data(openapi.clone())
                .app_data(http::json_config())
                .app_data(http::query_config())
                .app_data(http::path_config())
                .wrap(from_fn(tenancy::resolve_site))
                .wrap(from_fn(http::reject_oversized))
                .wrap(from_fn(metrics::record))
                .wrap(from_fn(crate::web::security_headers))
                .wrap(from_fn(http::request_context))
                .configure(health::configure)
                .configure(crate::web::configure)
                .route("/api/v1/openapi.json", web::get().to(serve_openapi))
                .configure(move |cfg| services.iter().for_each(|s| (s.configure)(cfg)))
                .default_service(web::to(http::not_found))
        })
        .client_request_timeout(Duration::from_secs(10))
        .shutdown_timeout(30)
        .listen(listener)?
        .run();
        let metrics_server = metrics::serve(metrics, metrics_listener)?;
        Ok(Application { port, metrics_port, server, metrics_server, state, stop, background })
    }

    /// The HTTP port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The metrics port actually bound.
    pub fn metrics_port(&self) -> u16 {
        self.metrics_port
    }

    /// The state handlers see, for tests and background tasks.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// A handle that stops both listeners (tests use it to shut an app down).
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle { handles: [self.server.handle(), self.metrics_server.handle()], stop: self.stop.clone() }
    }

    /// Serves until SIGTERM or SIGINT, then lets requests in flight finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Application { server, metrics_server, stop, background, .. } = self;
        let metrics_handle = metrics_server.handle();
        let metrics_task = tokio::spawn(metrics_server);
        let result = server.await;
        stop.cancel();
        let finished = futures_util::future::join_all(background);
        if tokio::time::timeout(BACKGROUND_GRACE, finished).await.is_err() {
            tracing::warn!("background tasks did not finish within the grace period");
        }
        metrics_handle.stop(true).await;
        let _ = metrics_task.await;
        result
    }
}

/// Stops a running application from outside it.
#[derive(Clone)]
pub struct StopHandle {
    handles: [actix_web::dev::ServerHandle; 2],
    stop: CancellationToken,
}

impl StopHandle {
    /// Asks both servers to stop now, without waiting for requests in flight.
    pub fn stop_now(&self) {
        self.stop.cancel();
        for handle in &self.handles {
            // The command is sent when `stop` is called; the future only awaits completion.
            drop(handle.stop(false));
        }
    }
}

async fn connect_redis(url: &str) -> anyhow::Result<redis::aio::ConnectionManager> {
    let client = redis::Client::open(url).context("invalid REDIS_URL")?;
    tokio::time::timeout(Duration::from_secs(5), redis::aio::ConnectionManager::new(client))
        .await
        .context("cannot reach Redis at REDIS_URL within 5 s")?
        .context("cannot connect to Redis at REDIS_URL")
}

struct OpenApiJson(String);

fn openapi_json(services: &[ServiceSpec]) -> anyhow::Result<OpenApiJson> {
    let mut doc = health::HealthApi::openapi();
    doc.info.title = "Participation".into();
    doc.info.version = env!("CARGO_PKG_VERSION").into();
    doc.info.description = Some("Plateforme de participation citoyenne des communes".into());
    for service in services {
        doc.merge((service.openapi)());
    }
    Ok(OpenApiJson(doc.to_json().context("cannot serialise the OpenAPI document")?))
}

async fn serve_openapi(doc: web::Data<OpenApiJson>) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(doc.0.clone())
}
