//! The idea box: proposals, supports counted exactly under concurrency, answers.
use participation_tests::TestApp;
use reqwest::StatusCode;
use serde_json::json;

use crate::auth_citizen::{admin_of, town_app, verified_citizen};
use crate::people::{citizens, mail_arrives, send};

#[tokio::test]
async fn proposals_supports_and_answers() {
    let (app, sink, host) = town_app().await;
    let admin = admin_of(&app, &sink, &host).await;
    let body = json!({ "title": "Boîte à idées", "kind": "proposals" });
    let (_, c) = send(app.post(&host, "/api/v1/consultations").bearer_auth(&admin).json(&body)).await;
    let path = format!("/api/v1/consultations/{}", c["id"].as_str().unwrap());
    assert_eq!(send(app.post(&host, &format!("{path}/publish")).bearer_auth(&admin)).await.0, StatusCode::OK);

    let jeanne = verified_citizen(&app, &sink, &host, "jeanne@example.fr").await;
    let jeanne = jeanne["access_token"].as_str().unwrap().to_owned();
    let (status, bad) = send(
        app.post(&host, &format!("{path}/proposals"))
            .bearer_auth(&jeanne)
            .json(&json!({ "title": "", "body": "" })),
    )
    .await;
    assert_eq!((status, bad["errors"].as_array().map(Vec::len)), (StatusCode::BAD_REQUEST, Some(2)));
    let idea = json!({ "title": "Des arceaux à vélo", "body": "Devant la mairie <script>x</script>." });
    let (status, first) =
        send(app.post(&host, &format!("{path}/proposals")).bearer_auth(&jeanne).json(&idea)).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (_, second) = send(
        app.post(&host, &format!("{path}/proposals"))
            .bearer_auth(&jeanne)
            .json(&json!({ "title": "Un marché bio", "body": "Le samedi." })),
    )
    .await;
    let first_id = first["id"].as_str().unwrap().to_owned();
    let support = format!("/api/v1/proposals/{first_id}/support");

    // One citizen, fifty identical supports at once: counted once.
    let tasks = (0..50).map(|_| {
        let req = app.request(reqwest::Method::PUT, &host, &support).bearer_auth(&jeanne);
        async move { req.send().await.unwrap().status() }
    });
    let statuses = futures_util::future::join_all(tasks).await;
    assert!(statuses.iter().all(|s| *s == StatusCode::OK), "{statuses:?}");
    let (_, list) = send(app.get(&host, &format!("{path}/proposals"))).await;
    assert_eq!((list[0]["id"].as_str(), list[0]["supports"].as_i64()), (Some(first_id.as_str()), Some(1)));

    // Fifty citizens at once: exactly fifty more; then twenty withdraw at once.
    let others = citizens(&app, &host, 50).await;
    let tasks = others.iter().map(|t| {
        let req = app.request(reqwest::Method::PUT, &host, &support).bearer_auth(t);
        async move { req.send().await.unwrap().status() }
    });
    assert!(futures_util::future::join_all(tasks).await.iter().all(|s| *s == StatusCode::OK));
    let tasks = others.iter().take(20).map(|t| {
        let req = app.request(reqwest::Method::DELETE, &host, &support).bearer_auth(t);
        async move { req.send().await.unwrap().status() }
    });
    assert!(futures_util::future::join_all(tasks).await.iter().all(|s| *s == StatusCode::OK));
    let (_, mine) = send(app.request(reqwest::Method::DELETE, &host, &support).bearer_auth(&others[0])).await;
    assert_eq!(
        (mine["supports"].as_i64(), mine["supported"].as_bool()),
        (Some(31), Some(false)),
        "withdrawing twice changes nothing"
    );
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(entity::support::Entity::find().count(app.db()).await.unwrap(), 31);

    // Sorted by supports, or by date; pages are bounded.
    let (_, by_date) = send(app.get(&host, &format!("{path}/proposals?sort=date"))).await;
    assert_eq!(by_date[0]["id"], second["id"]);
    assert_eq!(send(app.get(&host, &format!("{path}/proposals?limit=101"))).await.0, StatusCode::BAD_REQUEST);
    let (_, page) = send(app.get(&host, &format!("{path}/proposals?limit=1&offset=1"))).await;
    assert_eq!(page[0]["id"], second["id"]);

    // Staff answer; citizens may not; the author hears of it by mail.
    let answer = json!({ "status": "accepted", "answer": "Ils seront posés au printemps." });
    let answer_path = format!("/api/v1/proposals/{first_id}/answer");
    assert_eq!(
        send(app.post(&host, &answer_path).bearer_auth(&jeanne).json(&answer)).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, answered) = send(app.post(&host, &answer_path).bearer_auth(&admin).json(&answer)).await;
    assert_eq!((status, answered["status"].as_str()), (StatusCode::OK, Some("accepted")));
    let bad = json!({ "status": "maybe", "answer": "" });
    assert_eq!(
        send(app.post(&host, &answer_path).bearer_auth(&admin).json(&bad)).await.0,
        StatusCode::BAD_REQUEST
    );
    assert!(
        mail_arrives(&sink, "jeanne@example.fr", "Réponse à votre proposition").await,
        "the author got the answer by mail"
    );

    // Another town knows nothing of this proposal.
    app.create_town("nogent", "28279", "active").await;
    let nogent = TestApp::town_host("nogent");
    let stranger = citizens(&app, &nogent, 1).await;
    let (status, _) =
        send(app.request(reqwest::Method::PUT, &nogent, &support).bearer_auth(&stranger[0])).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
