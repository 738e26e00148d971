//! Login links and forgotten passwords, read out of the captured mail.
use participation_tests::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::auth_citizen::{link_token, town_app, verified_citizen};

async fn post(app: &TestApp, host: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let res = app.post(host, path).json(&body).send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_login_link_logs_in_once() {
    let (app, sink, host) = town_app().await;
    verified_citizen(&app, &sink, &host, "jeanne@example.fr").await;
    let (status, known) =
        post(&app, &host, "/api/v1/auth/magic-link", json!({ "email": "Jeanne@example.fr" })).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, unknown) =
        post(&app, &host, "/api/v1/auth/magic-link", json!({ "email": "personne@example.fr" })).await;
    assert_eq!((status, &unknown), (StatusCode::ACCEPTED, &known), "known and unknown get the same answer");
    let (status, _) =
        post(&app, &host, "/api/v1/auth/magic-link", json!({ "email": "pas une adresse" })).await;
    assert_eq!(status, StatusCode::ACCEPTED);

    let token = link_token(&sink, "jeanne@example.fr", "/login/link").await;
    let consume = json!({ "token": token });
    let (status, tokens) = post(&app, &host, "/api/v1/auth/magic-link/consume", consume.clone()).await;
    assert_eq!(status, StatusCode::OK);
    let me = app
        .get(&host, "/api/v1/me")
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let (status, again) = post(&app, &host, "/api/v1/auth/magic-link/consume", consume).await;
    assert_eq!((status, again["code"].as_str()), (StatusCode::BAD_REQUEST, Some("validation_failed")));
    // Only the account's owner got a mail: none went to the unknown address.
    assert!(sink.received().iter().all(|m| m.to != ["personne@example.fr"]));

    // A link of one town is worthless on another's host.
    app.create_town("nogent", "28279", "active").await;
    post(&app, &host, "/api/v1/auth/magic-link", json!({ "email": "jeanne@example.fr" })).await;
    let token = link_token(&sink, "jeanne@example.fr", "/login/link").await;
    let (status, _) = post(
        &app,
        &TestApp::town_host("nogent"),
        "/api/v1/auth/magic-link/consume",
        json!({ "token": token }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_forgotten_password_is_reset_by_link_and_old_sessions_end() {
    let (app, sink, host) = town_app().await;
    let session = verified_citizen(&app, &sink, &host, "paul@example.fr").await;
    let (status, _) =
        post(&app, &host, "/api/v1/auth/password/forgot", json!({ "email": "paul@example.fr" })).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let token = link_token(&sink, "paul@example.fr", "/password/reset").await;

    // A weak password is refused and the link still works afterwards.
    let (status, body) =
        post(&app, &host, "/api/v1/auth/password/reset", json!({ "token": token, "password": "court" }))
            .await;
    assert_eq!((status, body["errors"][0]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("password")));
    let new = "une phrase de passe toute neuve";
    let (status, _) =
        post(&app, &host, "/api/v1/auth/password/reset", json!({ "token": token, "password": new })).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) =
        post(&app, &host, "/api/v1/auth/password/reset", json!({ "token": token, "password": new })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the link works once");

    let login = |password: &str| json!({ "email": "paul@example.fr", "password": password });
    assert_eq!(
        post(&app, &host, "/api/v1/auth/login", login("vélo cargo sous la pluie")).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(post(&app, &host, "/api/v1/auth/login", login(new)).await.0, StatusCode::OK);
    let refresh = json!({ "refresh_token": session["refresh_token"] });
    assert_eq!(post(&app, &host, "/api/v1/auth/refresh", refresh).await.0, StatusCode::UNAUTHORIZED);
}
