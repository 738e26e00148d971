//! Every answer carries the security headers; pages use the platform's own
//! stylesheet and no inline style or script, which the policy would refuse.
use participation_tests::{PLATFORM_DOMAIN, TestApp, spawn_app};
use reqwest::StatusCode;

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let app = spawn_app().await;
    app.create_town("hanches", "28191", "active").await;
    let town = TestApp::town_host("hanches");
    for (host, path) in [
        (PLATFORM_DOMAIN, "/healthz"),
        (PLATFORM_DOMAIN, "/api/v1/communes?q=hanches"),
        (town.as_str(), "/api/v1/consultations"),
        (town.as_str(), "/api/v1/nowhere"),
        ("unknown.example", "/"),
    ] {
        let res = app.get(host, path).send().await.unwrap();
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert!(h.contains_key("referrer-policy"), "{path}");
        assert!(!h.contains_key("strict-transport-security"), "no HSTS over http");
    }
}

#[tokio::test]
async fn the_stylesheet_is_ours_and_small_and_pages_need_no_inline_style() {
    let app = spawn_app().await;
    let res = app.get(PLATFORM_DOMAIN, "/static/site.css").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/css"));
    let css = res.text().await.unwrap();
    assert!(css.len() < 10_000, "{} bytes", css.len());
    assert!(!css.contains("@import") && !css.contains("url(http"), "nothing from elsewhere");

    // The unsubscribe page: a stylesheet link, no inline style or script.
    app.create_town("hanches", "28191", "active").await;
    let town = TestApp::town_host("hanches");
    let id = crate::people::town_id(&app, &town).await;
    let token = notifications::unsubscribe::UnsubscribeToken {
        tenant_id: id,
        email: "a@example.fr".into(),
        topic: "announcements".into(),
    }
    .sign(&app.state.signing_key);
    let page = app.get(&town, &format!("/unsubscribe/{token}")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("href=\"/static/site.css\"") && page.contains("lang=\"fr\""), "{page}");
    assert!(!page.contains("<style") && !page.contains("style=\"") && !page.contains("<script"), "{page}");
    assert_eq!(page.matches("<h1").count(), 1);
}

#[tokio::test]
async fn over_https_browsers_are_told_to_stay_on_https() {
    let app = participation_tests::spawn_app_running_worker(&[("PUBLIC_URL_SCHEME", "https".into())]).await;
    let res = app.get(PLATFORM_DOMAIN, "/healthz").send().await.unwrap();
    assert_eq!(res.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains");
}
