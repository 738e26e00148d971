//! Every request resolves to the platform, a live town, or nothing.
use participation_tests::{PLATFORM_DOMAIN, TestApp};
use serde_json::Value;

use crate::support::{assert_problem, spawn};

async fn site_of(app: &TestApp, host: &str) -> reqwest::Response {
    app.get(host, "/api/v1/_test/site").send().await.expect("request")
}

#[tokio::test]
async fn the_platform_host_is_the_platform() {
    let app = spawn().await;
    for host in [PLATFORM_DOMAIN, "Participation.TEST", "participation.test:443", "participation.test."] {
        let body: Value = site_of(&app, host).await.json().await.unwrap();
        assert_eq!(body["kind"], "platform", "{host}");
    }
}

#[tokio::test]
async fn a_town_is_found_by_its_slug_and_its_custom_domain() {
    let app = spawn().await;
    let id = app.create_town("saint-eloy", "63338", "active").await;
    app.add_domain(id, "participer.saint-eloy.fr").await;
    for host in [
        TestApp::town_host("saint-eloy"),
        "SAINT-ELOY.participation.test".into(),
        "participer.saint-eloy.fr".into(),
        "participer.saint-eloy.fr:443".into(),
    ] {
        let res = site_of(&app, &host).await;
        assert_eq!(res.status(), 200, "{host}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["kind"], "town");
        assert_eq!(body["slug"], "saint-eloy");
        assert_eq!(body["tenant_id"], id.to_string());
    }
}

#[tokio::test]
async fn unknown_hosts_get_unknown_host() {
    let app = spawn().await;
    app.create_town("pending", "63338", "pending_review").await;
    app.create_town("refused", "01001", "rejected").await;
    for host in [
        "nowhere.participation.test",
        "pending.participation.test",
        "refused.participation.test",
        "www.participation.test",
        "a.b.participation.test",
        "example.org",
        "participation.test.evil.example",
        "",
        "bad host",
    ] {
        let res = site_of(&app, host).await;
        assert_problem(res, 404, "unknown_host").await;
    }
}

#[tokio::test]
async fn forwarded_host_headers_cannot_reach_a_town() {
    let app = spawn().await;
    app.create_town("cible", "63338", "active").await;
    let res = app
        .get("example.org", "/api/v1/_test/site")
        .header("X-Forwarded-Host", TestApp::town_host("cible"))
        .header("Forwarded", "host=cible.participation.test")
        .send()
        .await
        .unwrap();
    assert_problem(res, 404, "unknown_host").await;
}

#[tokio::test]
async fn a_suspended_town_answers_503_to_api_and_browsers() {
    let app = spawn().await;
    let id = app.create_town("suspendue", "63338", "active").await;
    app.add_domain(id, "participer.suspendue.fr").await;
    assert_eq!(site_of(&app, &TestApp::town_host("suspendue")).await.status(), 200);

    set_status(&app, id, "suspended").await;
    for host in [TestApp::town_host("suspendue"), "participer.suspendue.fr".into()] {
        assert_problem(site_of(&app, &host).await, 503, "tenant_suspended").await;
    }
    let page = app
        .get(&TestApp::town_host("suspendue"), "/")
        .header("Accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 503);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains("lang=\"fr\"") && html.contains("suspendu"), "{html}");

    set_status(&app, id, "active").await;
    assert_eq!(site_of(&app, &TestApp::town_host("suspendue")).await.status(), 200);
}

#[tokio::test]
async fn probes_answer_whatever_the_host() {
    let app = spawn().await;
    for host in ["10.1.2.3:8080", "unknown.example", PLATFORM_DOMAIN] {
        let res = app.get(host, "/healthz").send().await.unwrap();
        assert_eq!(res.status(), 200, "{host}");
    }
}

async fn set_status(app: &TestApp, id: uuid::Uuid, status: &str) {
    use sea_orm::{ActiveModelTrait, Set};
    entity::tenant::ActiveModel { id: Set(id), status: Set(status.into()), ..Default::default() }
        .update(app.db())
        .await
        .unwrap();
    app.state.resolver.invalidate_all();
}

/// Another process (here: a plain connection) suspends a town and says so on
/// `towns_changed`: this process forgets its cached host at once, not after
/// the cache's five minutes.
#[tokio::test]
async fn a_change_told_by_another_process_empties_the_host_cache() {
    use sea_orm::{ConnectionTrait, DbBackend};
    let app = spawn().await;
    if app.db().get_database_backend() != DbBackend::Postgres {
        return; // One process on SQLite: its own changes empty its cache.
    }
    let id = app.create_town("ailleurs", "63338", "active").await;
    let host = TestApp::town_host("ailleurs");
    let other = app.owner_db().await;
    // The cache is emptied when listening starts: the town is cached after.
    let mut listening = 0;
    for _ in 0..200 {
        listening = other
            .query_one_raw(sea_orm::Statement::from_string(
                DbBackend::Postgres,
                "SELECT count(*) AS n FROM pg_stat_activity \
                 WHERE datname = current_database() AND query ILIKE 'LISTEN%towns_changed%'",
            ))
            .await
            .unwrap()
            .and_then(|row| row.try_get::<i64>("", "n").ok())
            .unwrap_or(0);
        if listening > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(listening > 0, "the app listens for town changes");
    assert_eq!(site_of(&app, &host).await.status(), 200);
    other
        .execute_unprepared(&format!("UPDATE tenants SET status = 'suspended' WHERE id = '{id}'"))
        .await
        .unwrap();
    // Without the notice the cached answer stands.
    assert_eq!(site_of(&app, &host).await.status(), 200);
    other.execute_unprepared("NOTIFY towns_changed").await.unwrap();
    let mut status = 200;
    for _ in 0..50 {
        status = site_of(&app, &host).await.status().as_u16();
        if status == 503 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(status, 503);
}
