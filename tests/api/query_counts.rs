//! Lists, details and results read a bounded number of rows' worth of
//! queries: the same count with a handful of items as with many.
use participation_tests::{TestApp, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::people::{citizens_named, send, staff};

async fn queries_so_far(app: &TestApp) -> u64 {
    let text = app
        .client
        .get(format!("{}/metrics", app.metrics_address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| l.starts_with("db_queries_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

/// The statements one GET runs, after a first call has warmed any cache.
async fn queries_for(app: &TestApp, host: &str, path: &str, token: &str) -> u64 {
    let (status, body) = send(app.get(host, path).bearer_auth(token)).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    // The fewest of two runs: the host's cached resolution (10 s) may lapse
    // during one of them and add its lookup, on a slow machine.
    let mut fewest = u64::MAX;
    for _ in 0..2 {
        let before = queries_so_far(app).await;
        let (status, _) = send(app.get(host, path).bearer_auth(token)).await;
        assert_eq!(status, StatusCode::OK);
        fewest = fewest.min(queries_so_far(app).await - before);
    }
    fewest
}

struct Town {
    host: String,
    admin: String,
    questionnaire: String,
    idea_box: String,
    budget: String,
}

async fn consultation(app: &TestApp, host: &str, admin: &str, body: Value) -> String {
    let (status, c) = send(app.post(host, "/api/v1/consultations").bearer_auth(admin).json(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    format!("/api/v1/consultations/{}", c["id"].as_str().unwrap())
}

/// A town whose consultations each hold `n` questions, proposals, projects and comments.
async fn town_with(app: &TestApp, slug: &str, insee: &str, n: usize) -> Town {
    app.create_town(slug, insee, "active").await;
    let host = TestApp::town_host(slug);
    let admin = staff(app, &host, "admin").await;
    let people = citizens_named(app, &host, slug, n).await;
    let questionnaire =
        consultation(app, &host, &admin, json!({ "title": "Q", "kind": "questionnaire" })).await;
    let idea_box = consultation(app, &host, &admin, json!({ "title": "I", "kind": "proposals" })).await;
    let budget = consultation(
        app,
        &host,
        &admin,
        json!({ "title": "B", "kind": "budget", "budget_cents": 1_000_000 }),
    )
    .await;
    for i in 0..n {
        let q = json!({ "kind": "single_choice", "label": format!("Q{i}"), "options": ["a", "b", "c"] });
        assert_eq!(
            send(app.post(&host, &format!("{questionnaire}/questions")).bearer_auth(&admin).json(&q)).await.0,
            StatusCode::CREATED
        );
        let p = json!({ "title": format!("P{i}"), "cost_cents": 100 });
        assert_eq!(
            send(app.post(&host, &format!("{budget}/projects")).bearer_auth(&admin).json(&p)).await.0,
            StatusCode::CREATED
        );
        consultation(app, &host, &admin, json!({ "title": format!("Autre {i}"), "kind": "questionnaire" }))
            .await;
    }
    for path in [&questionnaire, &idea_box, &budget] {
        assert_eq!(
            send(app.post(&host, &format!("{path}/publish")).bearer_auth(&admin)).await.0,
            StatusCode::OK
        );
    }
    let (_, questions) = send(app.get(&host, &format!("{questionnaire}/questions"))).await;
    let (_, projects) = send(app.get(&host, &format!("{budget}/projects"))).await;
    for (i, who) in people.iter().enumerate() {
        let answers: Vec<Value> = questions
            .as_array()
            .unwrap()
            .iter()
            .map(|q| json!({ "question_id": q["id"], "option_ids": [q["options"][i % 3]["id"]] }))
            .collect();
        let (status, _) = send(
            app.post(&host, &format!("{questionnaire}/responses"))
                .bearer_auth(who)
                .json(&json!({ "answers": answers })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let (_, p) = send(
            app.post(&host, &format!("{idea_box}/proposals"))
                .bearer_auth(who)
                .json(&json!({ "title": format!("Idée {i}"), "body": "Oui" })),
        )
        .await;
        send(
            app.request(
                Method::PUT,
                &host,
                &format!("/api/v1/proposals/{}/support", p["id"].as_str().unwrap()),
            )
            .bearer_auth(who),
        )
        .await;
        let (_, top) = send(
            app.post(&host, &format!("{idea_box}/comments"))
                .bearer_auth(who)
                .json(&json!({ "body": "Bien" })),
        )
        .await;
        let reply = json!({ "body": "Oui", "parent_id": top["id"] });
        send(app.post(&host, &format!("{idea_box}/comments")).bearer_auth(&people[0]).json(&reply)).await;
        send(
            app.post(&host, &format!("/api/v1/comments/{}/report", top["id"].as_str().unwrap()))
                .bearer_auth(who)
                .json(&json!({ "reason": "?" })),
        )
        .await;
        let ballot = json!({ "project_ids": [projects[i % projects.as_array().unwrap().len()]["id"]] });
        assert_eq!(
            send(app.post(&host, &format!("{budget}/ballot")).bearer_auth(who).json(&ballot)).await.0,
            StatusCode::CREATED
        );
    }
    Town { host, admin, questionnaire, idea_box, budget }
}

#[tokio::test]
async fn reads_cost_the_same_number_of_queries_for_few_or_many_items() {
    let app = spawn_app().await;
    let small = town_with(&app, "petite", "28191", 2).await;
    let large = town_with(&app, "grande", "28279", 12).await;
    let paths = |t: &Town| {
        vec![
            "/api/v1/consultations?limit=100".to_owned(),
            "/api/v1/consultations?status=draft&limit=100".to_owned(),
            t.questionnaire.clone(),
            format!("{}/questions", t.questionnaire),
            format!("{}/results", t.questionnaire),
            format!("{}/proposals?limit=100", t.idea_box),
            format!("{}/comments?limit=100", t.idea_box),
            format!("{}/results", t.idea_box),
            format!("{}/projects", t.budget),
            format!("{}/results", t.budget),
            format!("{}/export.csv", t.questionnaire),
            format!("{}/export.csv", t.idea_box),
            format!("{}/export.csv", t.budget),
            "/api/v1/admin/comments?limit=100".to_owned(),
            "/api/v1/admin/stats".to_owned(),
        ]
    };
    let mut report = Vec::new();
    for (few, many) in paths(&small).iter().zip(paths(&large)) {
        let few_count = queries_for(&app, &small.host, few, &small.admin).await;
        let many_count = queries_for(&app, &large.host, &many, &large.admin).await;
        report.push(format!("{few}: {few_count} / {many_count}"));
        assert_eq!(
            few_count, many_count,
            "{few} runs more queries with more items: {few_count} then {many_count}"
        );
        assert!(many_count <= 12, "{few} runs {many_count} queries");
    }
    println!("{}", report.join("\n"));
}
