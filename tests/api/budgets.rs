//! A participatory budget: projects, one ballot each within the envelope, results.
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::auth_citizen::{admin_of, town_app, verified_citizen};
use crate::people::send;

#[tokio::test]
async fn a_budget_from_projects_to_funded_results() {
    let (app, sink, host) = town_app().await;
    let admin = admin_of(&app, &sink, &host).await;
    let body = json!({ "title": "Budget des écoles", "kind": "budget", "budget_cents": 10_000_000 });
    let (_, c) = send(app.post(&host, "/api/v1/consultations").bearer_auth(&admin).json(&body)).await;
    let path = format!("/api/v1/consultations/{}", c["id"].as_str().unwrap());
    let add = |title: &str, cost: i64| {
        send(
            app.post(&host, &format!("{path}/projects"))
                .bearer_auth(&admin)
                .json(&json!({ "title": title, "cost_cents": cost })),
        )
    };
    let (status, cour) = add("Cour végétalisée", 6_000_000).await;
    assert_eq!(status, StatusCode::CREATED, "{cour}");
    let (_, jeux) = add("Jeux", 5_000_000).await;
    let (_, livres) = add("Bibliothèque", 3_000_000).await;
    assert_eq!(add("Trop cher", 10_000_001).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(send(app.post(&host, &format!("{path}/publish")).bearer_auth(&admin)).await.0, StatusCode::OK);
    assert_eq!(add("Tard", 100).await.0, StatusCode::CONFLICT, "projects are frozen once published");

    let vote = |token: String, ids: Vec<Value>| {
        send(
            app.post(&host, &format!("{path}/ballot"))
                .bearer_auth(token)
                .json(&json!({ "project_ids": ids })),
        )
    };
    let mut voters = Vec::new();
    for name in ["a", "b", "c"] {
        let t = verified_citizen(&app, &sink, &host, &format!("{name}@example.fr")).await;
        voters.push(t["access_token"].as_str().unwrap().to_owned());
    }
    // Over the envelope, unknown or repeated projects: refused, nothing stored.
    let (status, over) = vote(voters[0].clone(), vec![cour["id"].clone(), jeux["id"].clone()]).await;
    assert_eq!((status, over["code"].as_str()), (StatusCode::BAD_REQUEST, Some("over_budget")));
    let (status, bad) = vote(voters[0].clone(), vec![cour["id"].clone(), cour["id"].clone()]).await;
    assert_eq!((status, bad["errors"][0]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("project_ids")));
    // Votes are hidden while the budget is open.
    let (_, open) = send(app.get(&host, &format!("{path}/projects"))).await;
    assert!(open[0].get("votes").is_none());

    // Fifty identical ballots at once from one citizen: one counted.
    let tasks = (0..50).map(|_| {
        let req = app
            .post(&host, &format!("{path}/ballot"))
            .bearer_auth(&voters[0])
            .json(&json!({ "project_ids": [jeux["id"], livres["id"]] }));
        async move { req.send().await.unwrap().status() }
    });
    let statuses = futures_util::future::join_all(tasks).await;
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
    let (status, again) = vote(voters[0].clone(), vec![livres["id"].clone()]).await;
    assert_eq!((status, again["code"].as_str()), (StatusCode::CONFLICT, Some("already_responded")));
    assert_eq!(vote(voters[1].clone(), vec![jeux["id"].clone()]).await.0, StatusCode::CREATED);
    assert_eq!(
        vote(voters[2].clone(), vec![cour["id"].clone(), livres["id"].clone()]).await.0,
        StatusCode::CREATED
    );

    // Closed: Jeux and Bibliothèque have 2 votes each, the Cour 1.
    assert_eq!(send(app.post(&host, &format!("{path}/close")).bearer_auth(&admin)).await.0, StatusCode::OK);
    let (_, results) = send(app.get(&host, &format!("{path}/projects"))).await;
    let got: Vec<(&str, i64, bool)> = results
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["title"].as_str().unwrap(), p["votes"].as_i64().unwrap(), p["funded"].as_bool().unwrap()))
        .collect();
    // Ties go to the cheaper project: Bibliothèque (30 000 €) before Jeux (50 000 €);
    // then the Cour (60 000 €) no longer fits in the 20 000 € left.
    assert_eq!(got, [("Bibliothèque", 2, true), ("Jeux", 2, true), ("Cour végétalisée", 1, false)]);
}
