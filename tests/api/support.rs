//! Test-only routes and small assertions shared by the modules.
use actix_web::{HttpResponse, web};
use common::{Problem, Site};
use participation_tests::{TestApp, spawn_app_with, test_routes};
use serde::Deserialize;
use serde_json::{Value, json};

/// A JSON body the test route expects.
#[derive(Deserialize)]
#[allow(dead_code)]
struct EchoBody {
    name: String,
    count: u32,
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/_test/echo", web::post().to(echo))
        .route("/api/v1/_test/site", web::get().to(site))
        .route("/api/v1/_test/db-error", web::get().to(db_error));
}

async fn echo(body: web::Json<EchoBody>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "name": body.name, "count": body.count }))
}

async fn site(site: Site) -> HttpResponse {
    HttpResponse::Ok().json(match site {
        Site::Platform => json!({ "kind": "platform" }),
        Site::Town(t) => json!({ "kind": "town", "slug": t.slug, "tenant_id": t.id }),
    })
}

async fn db_error(state: web::Data<common::AppState>) -> Result<HttpResponse, Problem> {
    use sea_orm::ConnectionTrait;
    state.db.execute_unprepared("SELECT * FROM no_such_table").await?;
    Ok(HttpResponse::Ok().finish())
}

/// The platform plus the test routes above.
pub async fn spawn() -> TestApp {
    spawn_app_with(vec![test_routes(routes)]).await
}

/// Asserts a problem+json answer with `status` and `code`, and returns its body.
pub async fn assert_problem(res: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let content_type =
        res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = res.json().await.expect("problem body is JSON");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status);
    assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(body["type"].as_str().is_some_and(|t| t.ends_with(code)));
    body
}
