//! Liveness, readiness and the OpenAPI document, on every service.
use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::state::AppState;

const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Paths answered whatever the Host header (orchestrators probe by address).
pub fn is_probe_path(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz")
}

/// Registers `/healthz` and `/readyz`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz)).route("/readyz", web::get().to(readyz));
}

/// The process is up and serving.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is alive")))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// The process can reach its database, and Redis when configured.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "Ready"), (status = 503, description = "A dependency is unreachable")))]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let database = match tokio::time::timeout(PROBE_TIMEOUT, state.db.ping()).await {
        Ok(Ok(())) => "ok",
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: database unreachable");
            "unavailable"
        }
        Err(_) => "timeout",
    };
    let mut checks = json!({ "database": database });
    let mut ready = database == "ok";
    if let Some(redis) = &state.redis {
        let mut conn = redis.clone();
        let cmd = redis::cmd("PING");
        let ping = cmd.query_async::<String>(&mut conn);
        let status = match tokio::time::timeout(PROBE_TIMEOUT, ping).await {
            Ok(Ok(_)) => "ok",
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "readiness: redis unreachable");
                "unavailable"
            }
            Err(_) => "timeout",
        };
        ready &= status == "ok";
        checks["redis"] = status.into();
    }
    let body = json!({ "status": if ready { "ok" } else { "unavailable" }, "checks": checks });
    if ready { HttpResponse::Ok().json(body) } else { HttpResponse::ServiceUnavailable().json(body) }
}

/// OpenAPI paths of the operations routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(healthz, readyz))]
pub struct HealthApi;

/// Whether the server listening on `addr` answers 200 on `/readyz` within
/// three seconds (a wildcard address is asked on loopback).
pub fn probe(addr: std::net::SocketAddr) -> std::process::ExitCode {
    use std::io::{Read, Write};
    let target = if addr.ip().is_unspecified() {
        std::net::SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), addr.port())
    } else {
        addr
    };
    let timeout = std::time::Duration::from_secs(3);
    let answered = (|| -> std::io::Result<bool> {
        let mut stream = std::net::TcpStream::connect_timeout(&target, timeout)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        stream.write_all(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
        let mut head = [0u8; 12];
        stream.read_exact(&mut head)?;
        Ok(head.starts_with(b"HTTP/1.1 200") || head.starts_with(b"HTTP/1.0 200"))
    })();
    match answered {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("not ready: {target}/readyz did not answer 200");
            std::process::ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("not ready: {target}: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
