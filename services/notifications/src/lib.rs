//! The mail pipeline: outbox relay, job queue (Redis Streams or in-process),
//! worker, SMTP or file mailer.
use std::{sync::Arc, time::Duration};

use actix_web::web;
use anyhow::Context;
use common::{
    AppState,
    server::{BackgroundContext, ServiceSpec},
};
use futures_util::{FutureExt, future::BoxFuture};
use utoipa::OpenApi;

pub mod backoff;
pub mod compose;
pub mod deliver;
pub mod digest;
pub mod encoded;
pub mod expand;
pub mod job;
pub mod mailer;
pub mod metrics;
pub mod pages;
pub mod pages_admin;
pub mod queue;
pub mod relay_wakeup;
pub mod reminders;
pub mod render;
pub mod render_account;
pub mod routes;
pub mod store;
pub mod topics;
pub mod unsubscribe;
pub mod worker;

use crate::{
    metrics::MailMetrics,
    queue::{JobQueue, MemoryQueue, RedisQueue, RedisQueueSettings},
    worker::{Worker, WorkerSettings},
};

/// The notifications API, as the binaries mount it.
pub const SERVICE: ServiceSpec = ServiceSpec { name: "notifications", configure, openapi, background: None };

/// The mail worker, run beside the HTTP services (alone in `participation-worker`).
pub const WORKER: ServiceSpec =
    ServiceSpec { name: "worker", configure: |_| {}, openapi: empty_openapi, background: Some(start_worker) };

/// Registers the service's routes; its health routes come with every server.
pub fn configure(cfg: &mut web::ServiceConfig) {
    routes::dev_mail::configure(cfg);
    routes::subscriptions::configure(cfg);
    routes::preferences::configure(cfg);
    routes::unsubscribe::configure(cfg);
    routes::announcements::configure(cfg);
    routes::deliveries::configure(cfg);
    routes::branding::configure(cfg);
    pages::configure(cfg);
    pages_admin::configure(cfg);
}

/// The service's part of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    common::openapi::document_problems(&mut doc);
    doc
}

fn empty_openapi() -> utoipa::openapi::OpenApi {
    utoipa::openapi::OpenApiBuilder::new().build()
}

#[derive(OpenApi)]
#[openapi(
    paths(
        routes::subscriptions::subscribe,
        routes::subscriptions::confirm,
        routes::preferences::get,
        routes::preferences::put,
        routes::announcements::preview,
        routes::announcements::send,
        routes::deliveries::list,
        routes::branding::get,
        routes::branding::put,
    ),
    components(schemas(
        routes::subscriptions::SubscribeBody,
        routes::subscriptions::ConfirmBody,
        routes::preferences::PreferencesBody,
        routes::announcements::AnnouncementBody,
        routes::branding::BrandingBody,
        topics::Preferences,
        topics::Timing,
    ))
)]
struct ApiDoc;

fn start_worker(ctx: BackgroundContext) -> BoxFuture<'static, anyhow::Result<()>> {
    async move {
        let worker = build_worker(&ctx.state).await?;
        tracing::info!("mail worker started");
        worker.run_until_stopped(ctx.stop).await;
        tracing::info!("mail worker stopped");
        Ok(())
    }
    .boxed()
}

/// A worker on the queue and mailer the configuration names.
pub async fn build_worker(state: &AppState) -> anyhow::Result<Worker> {
    let config = state.config.clone();
    let queue: Arc<dyn JobQueue> = match &config.redis_url {
        Some(url) => Arc::new(
            RedisQueue::connect(
                url.expose(),
                RedisQueueSettings {
                    visibility_timeout: Duration::from_secs(config.mail_visibility_timeout_secs.into()),
                    ..RedisQueueSettings::new(&config.redis_key_prefix)
                },
            )
            .await
            .context("cannot open the mail queue on Redis")?,
        ),
        None => Arc::new(MemoryQueue::new()),
    };
    let metrics = MailMetrics::register(state.metrics.registry()).context("cannot register mail metrics")?;
    Ok(Worker {
        db: state.db.clone(),
        queue,
        mailer: mailer::from_config(&config)?,
        settings: WorkerSettings::from_config(&config),
        signing_key: state.signing_key.clone(),
        config,
        metrics,
        prepared: Default::default(),
    })
}
