//! JSON logs through `tracing`; each request's span carries `request_id` and `tenant_id`.
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// Installs the JSON log subscriber (level from `RUST_LOG`, `info` by default).
/// A second call is a no-op, so tests may call it freely.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = fmt::layer()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_target(true)
        .with_writer(std::io::stderr);
    let _ = tracing_subscriber::registry().with(filter).with(json).try_init();
}
