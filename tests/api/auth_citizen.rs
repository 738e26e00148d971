//! A citizen's journey, links read out of the captured mail as a person would.
use std::time::Duration;

use participation_tests::{TestApp, smtp::SmtpSink, spawn_app_running_worker};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// An app whose worker mails to `sink`, and a town at `hanches.participation.test`.
pub(crate) async fn town_app() -> (TestApp, SmtpSink, String) {
    let sink = SmtpSink::start().await;
    let app =
        spawn_app_running_worker(&[("SMTP_URL", sink.url()), ("MAIL_RATE_PER_SECOND", "0".into())]).await;
    app.create_town("hanches", "28191", "active").await;
    (app, sink, TestApp::town_host("hanches"))
}

/// The `token` of the link in the latest mail to `to` whose link opens `page`.
pub(crate) async fn link_token(sink: &SmtpSink, to: &str, page: &str) -> String {
    for _ in 0..200 {
        for mail in sink.received().iter().rev().filter(|m| m.to.iter().any(|t| t == to)) {
            let parsed = mail_parser::MessageParser::default().parse(&mail.data).expect("mail parses");
            let text = parsed.body_text(0).expect("text part").into_owned();
            if let Some(at) = text.find(&format!("{page}?token=")) {
                let token = &text[at + page.len() + "?token=".len()..];
                return token.split_whitespace().next().unwrap_or_default().to_owned();
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no mail to {to} with a {page} link");
}

/// Registers, verifies and logs in `email`; returns the login's tokens.
pub(crate) async fn verified_citizen(app: &TestApp, sink: &SmtpSink, host: &str, email: &str) -> Value {
    let password = "vélo cargo sous la pluie";
    let res = app
        .post(host, "/api/v1/auth/register")
        .json(&json!({ "email": email, "password": password, "display_name": "Jeanne Martin" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let token = link_token(sink, email, "/verify-email").await;
    let res =
        app.post(host, "/api/v1/auth/verify-email").json(&json!({ "token": token })).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .post(host, "/api/v1/auth/login")
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

#[tokio::test]
async fn register_verify_login_refresh_and_logout() {
    let (app, sink, host) = town_app().await;
    let email = "jeanne.martin@example.fr";
    let res = app
        .post(&host, "/api/v1/auth/register")
        .json(&json!({ "email": email, "password": "vélo cargo sous la pluie", "display_name": "Jeanne Martin" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);

    // Before the link is opened the account is not verified.
    let login = |password: &'static str| {
        app.post(&host, "/api/v1/auth/login").json(&json!({ "email": email, "password": password })).send()
    };
    let tokens: Value = login("vélo cargo sous la pluie").await.unwrap().json().await.unwrap();
    let me = |access: String| app.get(&host, "/api/v1/me").bearer_auth(access).send();
    let profile: Value =
        me(tokens["access_token"].as_str().unwrap().into()).await.unwrap().json().await.unwrap();
    assert_eq!(profile["email_verified"], false);

    let token = link_token(&sink, email, "/verify-email").await;
    let mail = sink.received().into_iter().find(|m| m.to == [email]).unwrap();
    let parsed = mail_parser::MessageParser::default().parse(&mail.data).unwrap();
    assert_eq!(parsed.subject(), Some("Confirmez votre adresse e-mail"));
    assert!(parsed.header("List-Unsubscribe").is_none(), "account mail has no unsubscribe link");
    let verify =
        |token: String| app.post(&host, "/api/v1/auth/verify-email").json(&json!({ "token": token })).send();
    assert_eq!(verify(token.clone()).await.unwrap().status(), StatusCode::OK);
    // Single use.
    let again = verify(token).await.unwrap();
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert_eq!(again.json::<Value>().await.unwrap()["errors"][0]["field"], "token");

    let tokens: Value = login("vélo cargo sous la pluie").await.unwrap().json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    let profile: Value =
        me(tokens["access_token"].as_str().unwrap().into()).await.unwrap().json().await.unwrap();
    assert_eq!(profile["email_verified"], true);
    assert_eq!(profile["role"], "citizen");
    assert_eq!(profile["display_name"], "Jeanne Martin");

    // Wrong password and unknown e-mail: the same answer.
    let wrong = login("pas le bon mot de passe").await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong: Value = wrong.json().await.unwrap();
    let unknown: Value = app
        .post(&host, "/api/v1/auth/login")
        .json(&json!({ "email": "personne@example.fr", "password": "pas le bon mot de passe" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(wrong["code"], "invalid_credentials");
    assert_eq!(wrong["detail"], unknown["detail"]);

    // Refresh rotates; the new pair works, the old refresh token is spent.
    let refresh =
        |token: &str| app.post(&host, "/api/v1/auth/refresh").json(&json!({ "refresh_token": token })).send();
    let first = tokens["refresh_token"].as_str().unwrap().to_owned();
    let next: Value = refresh(&first).await.unwrap().json().await.unwrap();
    let second = next["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    assert_eq!(me(next["access_token"].as_str().unwrap().into()).await.unwrap().status(), StatusCode::OK);

    // Logout ends the family: the latest refresh token no longer works.
    let out = app
        .post(&host, "/api/v1/auth/logout")
        .json(&json!({ "refresh_token": second }))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert_eq!(refresh(&second).await.unwrap().status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn reusing_a_spent_refresh_token_revokes_the_whole_family() {
    let (app, sink, host) = town_app().await;
    let tokens = verified_citizen(&app, &sink, &host, "paul@example.fr").await;
    let refresh = |token: String| {
        app.post(&host, "/api/v1/auth/refresh").json(&json!({ "refresh_token": token })).send()
    };
    let stolen = tokens["refresh_token"].as_str().unwrap().to_owned();
    let legit: Value = refresh(stolen.clone()).await.unwrap().json().await.unwrap();
    // The thief replays the spent token: refused, and the holder's new one dies too.
    assert_eq!(refresh(stolen).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let after = refresh(legit["refresh_token"].as_str().unwrap().into()).await.unwrap();
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    // Another login starts a fresh family.
    let again = app
        .post(&host, "/api/v1/auth/login")
        .json(&json!({ "email": "paul@example.fr", "password": "vélo cargo sous la pluie" }))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
}

#[tokio::test]
async fn registering_an_address_twice_tells_nothing_and_changes_nothing() {
    let (app, sink, host) = town_app().await;
    let tokens = verified_citizen(&app, &sink, &host, "claire@example.fr").await;
    let before = sink.received().len();
    let res = app
        .post(&host, "/api/v1/auth/register")
        .json(&json!({ "email": "Claire@Example.fr", "password": "un autre mot de passe long", "display_name": "Autre" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({ "status": "verification_sent" }));
    // The first password still works; the second was never stored.
    let old = app
        .post(&host, "/api/v1/auth/login")
        .json(&json!({ "email": "claire@example.fr", "password": "vélo cargo sous la pluie" }))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.received().len(), before, "no mail for the second registration");
    assert!(tokens["access_token"].is_string());
}

#[tokio::test]
async fn bad_registrations_are_refused_field_by_field_and_store_nothing() {
    let (app, _sink, host) = town_app().await;
    let res = app
        .post(&host, "/api/v1/auth/register")
        .json(&json!({ "email": "pas-une-adresse", "password": "motdepasse123", "display_name": "Jeanne\r\nBcc: x@y.fr" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    let fields: Vec<&str> =
        body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["email", "password", "display_name"]);
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    assert_eq!(entity::user::Entity::find().count(app.db()).await.unwrap(), 0);
    // The running worker records the town's weekly digest on a Monday morning.
    let mails = entity::outbox::Entity::find().filter(entity::outbox::Column::Kind.ne("digest.weekly"));
    assert_eq!(mails.count(app.db()).await.unwrap(), 0);
    // Registering is for a town's host; the platform host has no citizens.
    let res = app
        .post(participation_tests::PLATFORM_DOMAIN, "/api/v1/auth/register")
        .json(
            &json!({ "email": "a@example.fr", "password": "vélo cargo sous la pluie", "display_name": "A" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn one_address_holds_separate_accounts_in_two_towns() {
    let (app, sink, hanches) = town_app().await;
    app.create_town("nogent", "28279", "active").await;
    let nogent = TestApp::town_host("nogent");
    verified_citizen(&app, &sink, &hanches, "jeanne@example.fr").await;
    // In Nogent the address has no account yet: its own registration, its own password.
    let res = app
        .post(&nogent, "/api/v1/auth/register")
        .json(&json!({ "email": "jeanne@example.fr", "password": "un autre mot de passe à Nogent", "display_name": "Jeanne N." }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let login = |host: &str, password: &str| {
        app.post(host, "/api/v1/auth/login")
            .json(&json!({ "email": "jeanne@example.fr", "password": password }))
            .send()
    };
    assert_eq!(login(&nogent, "un autre mot de passe à Nogent").await.unwrap().status(), StatusCode::OK);
    assert_eq!(login(&nogent, "vélo cargo sous la pluie").await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        login(&hanches, "un autre mot de passe à Nogent").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(login(&hanches, "vélo cargo sous la pluie").await.unwrap().status(), StatusCode::OK);
}

/// An admin of the town at `host`: an account made admin, logged in afresh; its access token.
pub(crate) async fn admin_of(app: &TestApp, sink: &SmtpSink, host: &str) -> String {
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
    let email = "mairie@hanches.example.fr";
    verified_citizen(app, sink, host, email).await;
    let user = entity::user::Entity::find()
        .filter(entity::user::Column::Email.eq(email))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    entity::membership::ActiveModel {
        id: Set(uuid::Uuid::new_v4()),
        tenant_id: Set(user.tenant_id.unwrap()),
        user_id: Set(user.id),
        role: Set("admin".into()),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(app.db())
    .await
    .unwrap();
    let login = json!({ "email": email, "password": "vélo cargo sous la pluie" });
    let tokens: Value =
        app.post(host, "/api/v1/auth/login").json(&login).send().await.unwrap().json().await.unwrap();
    tokens["access_token"].as_str().unwrap().to_owned()
}
