//! Fifty citizens at once: every response and every ballot counted exactly.
use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    auth_citizen::town_app,
    people::{citizens, send, staff},
};

#[tokio::test]
async fn fifty_citizens_answer_and_vote_at_once() {
    let (app, _sink, host) = town_app().await;
    let admin = staff(&app, &host, "admin").await;
    let people = citizens(&app, &host, 50).await;

    let (_, q) = send(
        app.post(&host, "/api/v1/consultations")
            .bearer_auth(&admin)
            .json(&json!({ "title": "Marché", "kind": "questionnaire" })),
    )
    .await;
    let q = format!("/api/v1/consultations/{}", q["id"].as_str().unwrap());
    let (_, day) = send(app.post(&host, &format!("{q}/questions")).bearer_auth(&admin).json(&json!({ "kind": "single_choice", "label": "Quel jour ?", "required": true, "options": ["Samedi", "Dimanche"] }))).await;
    send(app.post(&host, &format!("{q}/publish")).bearer_auth(&admin)).await;

    let (_, b) = send(
        app.post(&host, "/api/v1/consultations")
            .bearer_auth(&admin)
            .json(&json!({ "title": "Budget", "kind": "budget", "budget_cents": 100_000 })),
    )
    .await;
    let b = format!("/api/v1/consultations/{}", b["id"].as_str().unwrap());
    let mut projects: Vec<Value> = Vec::new();
    for title in ["Parc", "Piste"] {
        let (_, p) = send(
            app.post(&host, &format!("{b}/projects"))
                .bearer_auth(&admin)
                .json(&json!({ "title": title, "cost_cents": 40_000 })),
        )
        .await;
        projects.push(p["id"].clone());
    }
    send(app.post(&host, &format!("{b}/publish")).bearer_auth(&admin)).await;

    let responses = people.iter().enumerate().map(|(i, who)| {
        let body =
            json!({ "answers": [{ "question_id": day["id"], "option_ids": [day["options"][i % 2]["id"]] }] });
        send(app.post(&host, &format!("{q}/responses")).bearer_auth(who).json(&body))
    });
    let ballots = people.iter().enumerate().map(|(i, who)| {
        let chosen = if i < 10 { json!([projects[0], projects[1]]) } else { json!([projects[i % 2]]) };
        send(app.post(&host, &format!("{b}/ballot")).bearer_auth(who).json(&json!({ "project_ids": chosen })))
    });
    let (responses, ballots) = tokio::join!(join_all(responses), join_all(ballots));
    assert!(
        responses.iter().chain(&ballots).all(|(s, _)| *s == StatusCode::CREATED),
        "{responses:?} {ballots:?}"
    );

    let (_, results) = send(app.get(&host, &format!("{q}/results")).bearer_auth(&admin)).await;
    let counts: Vec<i64> = results["questions"][0]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["count"].as_i64().unwrap())
        .collect();
    assert_eq!((results["participants"].as_i64(), counts), (Some(50), vec![25, 25]));
    let (_, results) = send(app.get(&host, &format!("{b}/results")).bearer_auth(&admin)).await;
    let votes: i64 =
        results["budget"]["projects"].as_array().unwrap().iter().map(|p| p["votes"].as_i64().unwrap()).sum();
    assert_eq!((results["budget"]["ballots"].as_i64(), votes), (Some(50), 60));
}
