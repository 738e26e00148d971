//! Prometheus metrics, labelled by route pattern, served on their own listener.
use std::{net::TcpListener, time::Instant};

use actix_web::{
    App, Error, HttpResponse, HttpServer,
    body::{BoxBody, MessageBody},
    dev::{Server, ServiceRequest, ServiceResponse},
    middleware::Next,
    web,
};
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

use crate::state::AppState;

/// The metrics of one process.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    queries: IntCounterVec,
    query_latency: Histogram,
}

impl Metrics {
    /// Registers the HTTP metrics and `participation_build_info` for `service`.
    pub fn new(service: &str) -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by route pattern and status"),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency by route pattern")
                .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]),
            &["method", "route"],
        )?;
        let build = IntGauge::with_opts(
            Opts::new("participation_build_info", "Build of the running binary")
                .const_label("version", env!("CARGO_PKG_VERSION"))
                .const_label("service", service),
        )?;
        build.set(1);
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        let queries = IntCounterVec::new(
            Opts::new("db_queries_total", "Database statements run, by outcome"),
            &["outcome"],
        )?;
        let query_latency = Histogram::with_opts(
            HistogramOpts::new("db_query_duration_seconds", "Database statement latency")
                .buckets(vec![0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0]),
        )?;
        registry.register(Box::new(build))?;
        registry.register(Box::new(queries.clone()))?;
        registry.register(Box::new(query_latency.clone()))?;
        Ok(Metrics { registry, requests, latency, queries, query_latency })
    }

    /// The registry, for other components to add their own metrics.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Everything, in the Prometheus text format.
    pub fn render(&self) -> Result<String, prometheus::Error> {
        let mut buf = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buf)?;
        String::from_utf8(buf).map_err(|e| prometheus::Error::Msg(e.to_string()))
    }

    /// Counts and times one database statement.
    pub fn observe_query(&self, elapsed: std::time::Duration, failed: bool) {
        self.queries.with_label_values(&[if failed { "error" } else { "ok" }]).inc();
        self.query_latency.observe(elapsed.as_secs_f64());
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests.with_label_values(&[method, route, &status.to_string()]).inc();
        self.latency.with_label_values(&[method, route]).observe(seconds);
    }
}

/// Counts and times every request under its route pattern (never the raw path,
/// which would let clients create unbounded label values).
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let metrics = req.app_data::<web::Data<AppState>>().map(|s| s.metrics.clone());
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
    let method = req.method().clone();
    let started = Instant::now();
    let res = next.call(req).await?;
    if let Some(metrics) = metrics {
        metrics.observe(method.as_str(), &route, res.status().as_u16(), started.elapsed().as_secs_f64());
    }
    Ok(res.map_into_boxed_body())
}

/// The `/metrics` server on its own listener.
pub fn serve(metrics: Metrics, listener: TcpListener) -> std::io::Result<Server> {
    let data = web::Data::new(metrics);
    Ok(HttpServer::new(move || {
        App::new().app_data(data.clone()).route("/metrics", web::get().to(metrics_text))
    })
    .workers(1)
    .listen(listener)?
    .run())
}

async fn metrics_text(metrics: web::Data<Metrics>) -> HttpResponse {
    match metrics.render() {
        Ok(text) => HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(text),
        Err(e) => {
            tracing::error!(error = %e, "cannot render metrics");
            HttpResponse::InternalServerError().finish()
        }
    }
}
