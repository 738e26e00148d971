//! A questionnaire from questions to responses: answers checked together, one
//! response per citizen even when fifty copies arrive at once.
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::auth_citizen::{admin_of, town_app, verified_citizen};
use crate::people::send;

#[tokio::test]
async fn citizens_answer_once_and_every_answer_is_checked() {
    let (app, sink, host) = town_app().await;
    let admin = admin_of(&app, &sink, &host).await;
    let body = json!({ "title": "Plan vélo", "kind": "questionnaire" });
    let (_, c) = send(app.post(&host, "/api/v1/consultations").bearer_auth(&admin).json(&body)).await;
    let path = format!("/api/v1/consultations/{}", c["id"].as_str().unwrap());
    let add = |q: Value| send(app.post(&host, &format!("{path}/questions")).bearer_auth(&admin).json(&q));
    let (status, where_) = add(json!({ "kind": "single_choice", "label": "Où ?", "required": true, "options": ["Centre", "Gare", "École"] })).await;
    assert_eq!(status, StatusCode::CREATED, "{where_}");
    let (_, how) =
        add(json!({ "kind": "scale", "label": "Importance", "required": true, "min": 1, "max": 5 })).await;
    let (_, ideas) = add(json!({ "kind": "text", "label": "Idées", "max": 200 })).await;
    let (status, bad) = add(json!({ "kind": "single_choice", "label": "Seul", "options": ["Un"] })).await;
    assert_eq!((status, bad["errors"][0]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("options")));
    let (_, questions) = send(app.get(&host, &format!("{path}/questions")).bearer_auth(&admin)).await;
    assert_eq!(
        questions.as_array().unwrap().iter().map(|q| q["position"].as_i64().unwrap()).collect::<Vec<_>>(),
        [1, 2, 3]
    );

    let citizen = verified_citizen(&app, &sink, &host, "jeanne@example.fr").await;
    let citizen = citizen["access_token"].as_str().unwrap().to_owned();
    let gare = where_["options"][1]["id"].clone();
    let good = json!({ "answers": [
        { "question_id": where_["id"], "option_ids": [gare] },
        { "question_id": how["id"], "value": 4 },
        { "question_id": ideas["id"], "text": "Des arceaux devant la mairie." },
    ]});
    // Not open yet: a draft is unknown to citizens.
    assert_eq!(
        send(app.post(&host, &format!("{path}/responses")).bearer_auth(&citizen).json(&good)).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(send(app.post(&host, &format!("{path}/publish")).bearer_auth(&admin)).await.0, StatusCode::OK);
    // Published: questions are frozen.
    assert_eq!(add(json!({ "kind": "text", "label": "Trop tard" })).await.0, StatusCode::CONFLICT);

    // Bad answers: every one named, nothing stored.
    let bad = json!({ "answers": [
        { "question_id": where_["id"], "option_ids": [how["id"]] },
        { "question_id": how["id"], "value": 9 },
        { "question_id": ideas["id"], "text": "x".repeat(201) },
    ]});
    let (status, problem) =
        send(app.post(&host, &format!("{path}/responses")).bearer_auth(&citizen).json(&bad)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["answers[0]", "answers[1]", "answers[2]"]);
    let missing = json!({ "answers": [{ "question_id": ideas["id"], "text": "Seulement ça" }] });
    let (_, problem) =
        send(app.post(&host, &format!("{path}/responses")).bearer_auth(&citizen).json(&missing)).await;
    assert_eq!(
        problem["errors"].as_array().unwrap().len(),
        2,
        "two required questions unanswered: {problem}"
    );

    // An address not yet verified: refused, nothing stored.
    let unverified = json!({ "email": "pas.encore@example.fr", "password": "vélo cargo sous la pluie", "display_name": "Pas Encore" });
    assert_eq!(send(app.post(&host, "/api/v1/auth/register").json(&unverified)).await.0, StatusCode::CREATED);
    let (status, login) = send(app.post(&host, "/api/v1/auth/login").json(&unverified)).await;
    assert_eq!(status, StatusCode::OK, "{login}");
    let (status, problem) = send(
        app.post(&host, &format!("{path}/responses"))
            .bearer_auth(login["access_token"].as_str().unwrap())
            .json(&good),
    )
    .await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::FORBIDDEN, Some("email_unverified")));
    {
        use sea_orm::{EntityTrait, PaginatorTrait};
        assert_eq!(entity::response::Entity::find().count(app.db()).await.unwrap(), 0);
        assert_eq!(entity::answer::Entity::find().count(app.db()).await.unwrap(), 0);
    }

    // Fifty identical responses at once: exactly one stored, the rest 409.
    let attempts = (0..50).map(|_| {
        let req = app.post(&host, &format!("{path}/responses")).bearer_auth(&citizen).json(&good);
        async move { req.send().await.unwrap().status() }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT), "{statuses:?}");
    let (status, again) =
        send(app.post(&host, &format!("{path}/responses")).bearer_auth(&citizen).json(&good)).await;
    assert_eq!((status, again["code"].as_str()), (StatusCode::CONFLICT, Some("already_responded")));
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(entity::response::Entity::find().count(app.db()).await.unwrap(), 1);
    assert_eq!(entity::answer::Entity::find().count(app.db()).await.unwrap(), 3);

    // Closed: no more responses.
    assert_eq!(send(app.post(&host, &format!("{path}/close")).bearer_auth(&admin)).await.0, StatusCode::OK);
    let other = verified_citizen(&app, &sink, &host, "paul@example.fr").await;
    let (status, body) = send(
        app.post(&host, &format!("{path}/responses"))
            .bearer_auth(other["access_token"].as_str().unwrap())
            .json(&good),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("consultation_not_open")));
}
