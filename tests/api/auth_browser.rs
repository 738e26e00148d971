//! Browser sessions: HttpOnly cookies, and a CSRF token on every change.
use actix_web::cookie::{Cookie, SameSite};
use participation_tests::{TestApp, smtp::SmtpSink, spawn_app_running_worker};
use reqwest::{StatusCode, header::SET_COOKIE};
use serde_json::{Value, json};

use crate::auth_citizen::{town_app, verified_citizen};

fn cookies(res: &reqwest::Response) -> Vec<Cookie<'static>> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| Cookie::parse(v.to_str().unwrap().to_owned()).unwrap())
        .collect()
}

async fn browser_login(app: &TestApp, host: &str) -> (Vec<Cookie<'static>>, String) {
    let login =
        json!({ "email": "jeanne@example.fr", "password": "vélo cargo sous la pluie", "session": "cookie" });
    let res = app.post(host, "/api/v1/auth/login").json(&login).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let jar = cookies(&res);
    let body: Value = res.json().await.unwrap();
    assert!(body.get("access_token").is_none(), "a browser session keeps its tokens out of reach of scripts");
    (jar, body["csrf_token"].as_str().unwrap().to_owned())
}

fn header(jar: &[Cookie<'static>]) -> String {
    jar.iter().map(|c| format!("{}={}", c.name(), c.value())).collect::<Vec<_>>().join("; ")
}

#[tokio::test]
async fn a_browser_session_lives_in_httponly_cookies_and_changes_need_the_csrf_token() {
    let (app, sink, host) = town_app().await;
    verified_citizen(&app, &sink, &host, "jeanne@example.fr").await;
    let (jar, csrf) = browser_login(&app, &host).await;
    let access = jar.iter().find(|c| c.name() == "participation_session").expect("session cookie");
    assert_eq!(
        (access.http_only(), access.same_site(), access.path()),
        (Some(true), Some(SameSite::Lax), Some("/"))
    );
    assert_ne!(access.secure(), Some(true), "plain http in this test: no Secure flag");
    let refresh = jar.iter().find(|c| c.name() == "participation_refresh").expect("refresh cookie");
    assert_eq!((refresh.http_only(), refresh.path()), (Some(true), Some("/")));

    // Reading needs only the cookie.
    let me = app.get(&host, "/api/v1/me").header("Cookie", header(&jar)).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);

    // Changing needs the CSRF token of this very session.
    let erase = |token: Option<&str>| {
        let req = app.request(reqwest::Method::DELETE, &host, "/api/v1/me").header("Cookie", header(&jar));
        match token {
            Some(t) => req.header("X-CSRF-Token", t),
            None => req,
        }
        .send()
    };
    assert_eq!(erase(None).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(erase(Some("forged")).await.unwrap().status(), StatusCode::FORBIDDEN);
    let (_, other_csrf) = browser_login(&app, &host).await;
    assert_eq!(
        erase(Some(&other_csrf)).await.unwrap().status(),
        StatusCode::FORBIDDEN,
        "another session's token"
    );

    // Refresh by cookie: with the token it rotates, without it nothing happens.
    let refresh = |token: Option<&str>| {
        let req = app.post(&host, "/api/v1/auth/refresh").header("Cookie", header(&jar)).json(&json!({}));
        match token {
            Some(t) => req.header("X-CSRF-Token", t),
            None => req,
        }
        .send()
    };
    assert_eq!(refresh(None).await.unwrap().status(), StatusCode::FORBIDDEN);
    let rotated = refresh(Some(&csrf)).await.unwrap();
    assert_eq!(rotated.status(), StatusCode::OK);
    let new_jar = cookies(&rotated);
    let body: Value = rotated.json().await.unwrap();
    assert_eq!(body["csrf_token"], csrf.as_str(), "the session, and so its CSRF token, is the same");

    // Logout clears the cookies and ends the session.
    let out = app
        .post(&host, "/api/v1/auth/logout")
        .header("Cookie", header(&new_jar))
        .header("X-CSRF-Token", &csrf)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert!(
        cookies(&out)
            .iter()
            .all(|c| c.value().is_empty() && c.max_age() == Some(actix_web::cookie::time::Duration::ZERO))
    );
    let again = app
        .post(&host, "/api/v1/auth/refresh")
        .header("Cookie", header(&new_jar))
        .header("X-CSRF-Token", &csrf)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn under_https_the_cookies_are_secure_and_host_prefixed() {
    let sink = SmtpSink::start().await;
    let app =
        spawn_app_running_worker(&[("SMTP_URL", sink.url()), ("PUBLIC_URL_SCHEME", "https".into())]).await;
    app.create_town("hanches", "28191", "active").await;
    let host = TestApp::town_host("hanches");
    verified_citizen(&app, &sink, &host, "jeanne@example.fr").await;
    let (jar, _) = browser_login(&app, &host).await;
    let access = jar.iter().find(|c| c.name() == "__Host-participation_session").expect("__Host- cookie");
    assert_eq!((access.secure(), access.domain()), (Some(true), None));
    let refresh =
        jar.iter().find(|c| c.name() == "__Secure-participation_refresh").expect("__Secure- cookie");
    assert_eq!(refresh.secure(), Some(true));
    let bad = app
        .post(&host, "/api/v1/auth/login")
        .json(&json!({ "email": "jeanne@example.fr", "password": "vélo cargo sous la pluie", "session": "jar" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}
