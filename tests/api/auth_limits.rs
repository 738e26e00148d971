//! `AUTH_RATE_LIMIT` on the endpoints an attacker would hammer (in Redis when
//! the suite runs with it, in process otherwise).
use participation_tests::{TestApp, smtp::SmtpSink, spawn_app_running_worker};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn logins_and_links_past_the_limit_get_429_with_retry_after() {
    let sink = SmtpSink::start().await;
    let app =
        spawn_app_running_worker(&[("SMTP_URL", sink.url()), ("AUTH_RATE_LIMIT", "3/hour".into())]).await;
    app.create_town("hanches", "28191", "active").await;
    let host = TestApp::town_host("hanches");
    let login = json!({ "email": "jeanne@example.fr", "password": "pas le bon mot de passe" });
    for _ in 0..3 {
        let res = app.post(&host, "/api/v1/auth/login").json(&login).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = app.post(&host, "/api/v1/auth/login").json(&login).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=3600).contains(&wait), "Retry-After {wait}");
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "rate_limited");

    // Each action counts on its own: login links still go, up to their own limit.
    let ask = json!({ "email": "jeanne@example.fr" });
    for _ in 0..3 {
        let res = app.post(&host, "/api/v1/auth/magic-link").json(&ask).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::ACCEPTED);
    }
    let res = app.post(&host, "/api/v1/auth/magic-link").json(&ask).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}
