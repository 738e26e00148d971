//! What a process keeps of a consultation's page is never seen stale: a write
//! on the town moves it on at once, here or (on PostgreSQL) in another
//! process, and what members may see is never kept for anonymous visitors.
use participation_tests::TestApp;
use reqwest::{StatusCode, header};
use serde_json::json;

use crate::{
    auth_citizen::{town_app, verified_citizen},
    people::{send, staff, town_id},
};

/// A published consultation for `audience`; its id.
async fn published(app: &TestApp, host: &str, admin: &str, title: &str, audience: &str) -> String {
    let body = json!({ "title": title, "kind": "questionnaire", "audience": audience });
    let (status, c) = send(app.post(host, "/api/v1/consultations").bearer_auth(admin).json(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let id = c["id"].as_str().unwrap().to_owned();
    let (status, _) =
        send(app.post(host, &format!("/api/v1/consultations/{id}/publish")).bearer_auth(admin)).await;
    assert_eq!(status, StatusCode::OK);
    id
}

/// A verified citizen's access token from a login (pages want its session).
async fn signed_in(app: &TestApp, sink: &participation_tests::smtp::SmtpSink, host: &str) -> String {
    let tokens = verified_citizen(app, sink, host, "jeanne@example.fr").await;
    tokens["access_token"].as_str().unwrap().to_owned()
}

/// The consultation's page, anonymous or signed in with `token`.
async fn page(app: &TestApp, host: &str, id: &str, token: Option<&str>) -> (StatusCode, String) {
    let mut req = app.get(host, &format!("/consultations/{id}")).header(header::ACCEPT, "text/html");
    if let Some(token) = token {
        req = req.header(header::COOKIE, format!("participation_session={token}"));
    }
    let res = req.send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

#[tokio::test]
async fn comments_and_moderation_show_on_the_page_at_once() {
    let (app, sink, host) = town_app().await;
    let admin = staff(&app, &host, "admin").await;
    let id = published(&app, &host, &admin, "Plan velo", "public").await;
    let citizen = signed_in(&app, &sink, &host).await;
    for who in [None, Some(citizen.as_str())] {
        let (status, body) = page(&app, &host, &id, who).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("Plan velo") && !body.contains("Remarque numero un"), "{body}");
    }

    let said = json!({ "body": "Remarque numero un" });
    let comments = format!("/api/v1/consultations/{id}/comments");
    let (status, comment) = send(app.post(&host, &comments).bearer_auth(&citizen).json(&said)).await;
    assert_eq!(status, StatusCode::CREATED, "{comment}");
    for who in [None, Some(citizen.as_str())] {
        assert!(page(&app, &host, &id, who).await.1.contains("Remarque numero un"), "shown at once");
    }

    // A comment refused as bad input changes nothing, and a hidden one is gone at once.
    let (status, _) =
        send(app.post(&host, &comments).bearer_auth(&citizen).json(&json!({ "body": "" }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let hide = format!("/api/v1/comments/{}/hide", comment["id"].as_str().unwrap());
    let (status, _) =
        send(app.post(&host, &hide).bearer_auth(&admin).json(&json!({ "reason": "Hors sujet" }))).await;
    assert_eq!(status, StatusCode::OK);
    for who in [None, Some(citizen.as_str())] {
        assert!(!page(&app, &host, &id, who).await.1.contains("Remarque numero un"), "hidden at once");
    }
}

#[tokio::test]
async fn a_page_kept_for_members_is_not_shown_to_anonymous_visitors() {
    let (app, sink, host) = town_app().await;
    let admin = staff(&app, &host, "admin").await;
    let id = published(&app, &host, &admin, "Reserve aux inscrits", "registered").await;
    let citizen = signed_in(&app, &sink, &host).await;
    let (status, body) = page(&app, &host, &id, Some(&citizen)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Reserve aux inscrits"));
    let (status, body) = page(&app, &host, &id, None).await;
    assert_ne!(status, StatusCode::OK);
    assert!(!body.contains("Reserve aux inscrits"), "{body}");
}

#[tokio::test]
async fn a_write_told_by_another_process_moves_the_page_on() {
    use sea_orm::{ConnectionTrait, DbBackend};
    let (app, _sink, host) = town_app().await;
    if app.db().get_database_backend() != DbBackend::Postgres {
        return; // One process on SQLite: its own writes move its pages on.
    }
    let admin = staff(&app, &host, "admin").await;
    let id = published(&app, &host, &admin, "Ancien titre", "public").await;
    assert!(page(&app, &host, &id, None).await.1.contains("Ancien titre"));
    // Another process changes the title.
    let other = app.owner_db().await;
    other
        .execute_unprepared(&format!("UPDATE consultations SET title = 'Nouveau titre' WHERE id = '{id}'"))
        .await
        .unwrap();
    // Untold, this process would show what it kept for up to 10 min (unless a
    // write elsewhere on the platform moved every town on): told, at once.
    let town = town_id(&app, &host).await;
    other.execute_unprepared(&format!("SELECT pg_notify('town_writes', '{town}')")).await.unwrap();
    let mut shown = String::new();
    for _ in 0..50 {
        shown = page(&app, &host, &id, None).await.1;
        if shown.contains("Nouveau titre") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(shown.contains("Nouveau titre"), "{shown}");
}
