//! Builds the HTTP application around one or several services and runs it.
use std::{net::TcpListener, sync::Arc, time::Duration};

use actix_web::{App, HttpResponse, HttpServer, dev::Server, middleware::from_fn, web};
use anyhow::Context;
use utoipa::OpenApi;

use crate::{
    config::Config,
    db, health, http,
    metrics::{self, Metrics},
    state::AppState,
    tenancy::{self, SiteResolver},
};

/// A mountable service: its routes and its part of the OpenAPI document.
#[derive(Clone, Copy)]
pub struct ServiceSpec {
    pub name: &'static str,
    pub configure: fn(&mut web::ServiceConfig),
    pub openapi: fn() -> utoipa::openapi::OpenApi,
}

/// A built application, bound to its ports and ready to run.
pub struct Application {
    port: u16,
    metrics_port: u16,
    server: Server,
    metrics_server: Server,
    state: AppState,
}

impl Application {
    /// Connects to the database, migrates it, binds both listeners and mounts `services`.
    pub async fn build(
        config: Config,
        name: &str,
        services: Vec<ServiceSpec>,
    ) -> anyhow::Result<Self> {
        let db = db::connect(&config).await?;
        db::migrate(&db)
            .await
            .context("cannot apply the database migrations")?;
        let redis = match &config.redis_url {
            Some(url) => Some(connect_redis(url.expose()).await?),
            None => None,
        };
        let metrics = Metrics::new(name).context("cannot register metrics")?;
        let listener = TcpListener::bind(config.listen_addr)
            .with_context(|| format!("cannot listen on LISTEN_ADDR {}", config.listen_addr))?;
        let metrics_listener = TcpListener::bind(config.metrics_addr)
            .with_context(|| format!("cannot listen on METRICS_ADDR {}", config.metrics_addr))?;
        let port = listener.local_addr()?.port();
        let metrics_port = metrics_listener.local_addr()?.port();
        let state = AppState {
            resolver: SiteResolver::new(&config.platform_domain, db.clone()),
            config: Arc::new(config),
            db,
            redis,
            metrics: metrics.clone(),
        };
        let openapi = web::Data::new(openapi_json(&services)?);
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
                .wrap(from_fn(http::request_context))
                .configure(health::configure)
                .route("/api/v1/openapi.json", web::get().to(serve_openapi))
                .configure(move |cfg| services.iter().for_each(|s| (s.configure)(cfg)))
                .default_service(web::to(http::not_found))
        })
        .client_request_timeout(Duration::from_secs(10))
        .shutdown_timeout(30)
        .listen(listener)?
        .run();
        let metrics_server = metrics::serve(metrics, metrics_listener)?;
        Ok(Application {
            port,
            metrics_port,
            server,
            metrics_server,
            state,
        })
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
        StopHandle {
            handles: [self.server.handle(), self.metrics_server.handle()],
        }
    }

    /// Serves until SIGTERM or SIGINT, then lets requests in flight finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Application {
            server,
            metrics_server,
            ..
        } = self;
        let metrics_handle = metrics_server.handle();
        let metrics_task = tokio::spawn(metrics_server);
        let result = server.await;
        metrics_handle.stop(true).await;
        let _ = metrics_task.await;
        result
    }
}

/// Stops a running application from outside it.
#[derive(Clone)]
pub struct StopHandle {
    handles: [actix_web::dev::ServerHandle; 2],
}

impl StopHandle {
    /// Asks both servers to stop now, without waiting for requests in flight.
    pub fn stop_now(&self) {
        for handle in &self.handles {
            // The command is sent when `stop` is called; the future only awaits completion.
            drop(handle.stop(false));
        }
    }
}

async fn connect_redis(url: &str) -> anyhow::Result<redis::aio::ConnectionManager> {
    let client = redis::Client::open(url).context("invalid REDIS_URL")?;
    tokio::time::timeout(
        Duration::from_secs(5),
        redis::aio::ConnectionManager::new(client),
    )
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
    Ok(OpenApiJson(
        doc.to_json()
            .context("cannot serialise the OpenAPI document")?,
    ))
}

async fn serve_openapi(doc: web::Data<OpenApiJson>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.0.clone())
}
