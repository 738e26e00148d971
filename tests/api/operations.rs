//! Health, readiness, metrics and the OpenAPI document.
use participation_tests::{PLATFORM_DOMAIN, TestApp};
use serde_json::Value;

use crate::support::spawn;

#[tokio::test]
async fn readiness_checks_the_database_and_redis_when_configured() {
    let app = spawn().await;
    let res = app.get(PLATFORM_DOMAIN, "/readyz").send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["checks"]["database"], "ok");
    if std::env::var_os("TEST_REDIS_URL").is_some() {
        assert_eq!(body["checks"]["redis"], "ok", "{body}");
    } else {
        assert!(body["checks"].get("redis").is_none());
    }
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = spawn().await;
    app.db().clone().close().await.unwrap();
    let res = app.get(PLATFORM_DOMAIN, "/readyz").send().await.unwrap();
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert_ne!(body["checks"]["database"], "ok");
}

#[tokio::test]
async fn metrics_are_prometheus_text_labelled_by_route_pattern() {
    let app = spawn().await;
    app.create_town("ville", "63338", "active").await;
    app.get(PLATFORM_DOMAIN, "/api/v1/communes/63338").send().await.unwrap();
    app.get(PLATFORM_DOMAIN, "/api/v1/communes/01001").send().await.unwrap();
    app.get("nowhere.example", "/x").send().await.unwrap();
    let res = app.client.get(format!("{}/metrics", app.metrics_address)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = res.text().await.unwrap();
    assert_valid_exposition(&text);
    assert!(
        text.contains(
            r#"http_requests_total{method="GET",route="/api/v1/communes/{insee_code}",status="200"} 2"#
        ),
        "{text}"
    );
    assert!(text.contains(r#"route="unmatched",status="404""#), "{text}");
    assert!(!text.contains("63338"), "raw paths must not become labels");
    assert!(text.contains("http_request_duration_seconds_bucket"));
    assert!(text.contains("participation_build_info{"));
}

/// Every sample line is `name{labels} value`, and every metric has HELP and TYPE.
fn assert_valid_exposition(text: &str) {
    let mut typed = std::collections::HashSet::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            typed.insert(parts.next().unwrap().to_owned());
            assert!(
                matches!(parts.next(), Some("counter" | "gauge" | "histogram" | "summary" | "untyped")),
                "{line}"
            );
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("no value: {line}"));
        assert!(value.parse::<f64>().is_ok(), "value of {line}");
        let name = series.split('{').next().unwrap();
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'), "{line}");
        let base = ["_bucket", "_sum", "_count"].iter().find_map(|s| name.strip_suffix(s)).unwrap_or(name);
        assert!(typed.contains(name) || typed.contains(base), "untyped metric {name}");
        if let Some(labels) = series.strip_prefix(name) {
            assert!(labels.is_empty() || (labels.starts_with('{') && labels.ends_with('}')), "{line}");
        }
    }
}

#[tokio::test]
async fn the_openapi_document_describes_the_routes() {
    let app = spawn().await;
    for host in [PLATFORM_DOMAIN.to_owned(), "ville.participation.test".into()] {
        if host != PLATFORM_DOMAIN {
            app.create_town("ville", "63338", "active").await;
        }
        let res = app.get(&host, "/api/v1/openapi.json").send().await.unwrap();
        assert_eq!(res.status(), 200);
        let doc: Value = res.json().await.unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        for path in ["/healthz", "/readyz", "/api/v1/communes", "/api/v1/communes/{insee_code}"] {
            assert!(doc["paths"].get(path).is_some(), "{path} missing");
        }
    }
    let _ = TestApp::town_host("ville");
}

#[tokio::test]
async fn every_api_operation_documents_its_errors_as_problem_json() {
    let app = spawn().await;
    let doc: Value =
        app.get(PLATFORM_DOMAIN, "/api/v1/openapi.json").send().await.unwrap().json().await.unwrap();
    let problem = &doc["components"]["schemas"]["Problem"];
    assert_eq!(problem["required"], serde_json::json!(["type", "title", "status", "code"]), "{problem}");
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.starts_with("/api/") {
            continue;
        }
        for (method, operation) in item.as_object().unwrap() {
            operations += 1;
            for (status, response) in operation["responses"].as_object().unwrap() {
                if status == "default" || status.starts_with('4') || status.starts_with('5') {
                    let schema = &response["content"]["application/problem+json"]["schema"]["$ref"];
                    assert_eq!(schema, "#/components/schemas/Problem", "{method} {path} {status}");
                }
            }
            assert!(operation["responses"].get("default").is_some(), "{method} {path}: no default");
        }
    }
    assert!(operations > 60, "{operations} operations");
}
