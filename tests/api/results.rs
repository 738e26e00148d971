//! After a consultation: results (public once closed), the results text that
//! tells every participant, exports with safe cells, open data and statistics.
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    auth_citizen::town_app,
    people::{citizens_named, send, staff},
};

fn subject_count(sink: &participation_tests::smtp::SmtpSink, subject: &str) -> usize {
    sink.received()
        .iter()
        .filter(|m| {
            mail_parser::MessageParser::default()
                .parse(&m.data)
                .and_then(|p| p.subject().map(str::to_owned))
                .as_deref()
                == Some(subject)
        })
        .count()
}

#[tokio::test]
async fn a_questionnaire_from_answers_to_results_exports_and_stats() {
    let (app, sink, host) = town_app().await;
    let admin = staff(&app, &host, "admin").await;
    let moderator = staff(&app, &host, "moderator").await;
    let body = json!({ "title": "Plan vélo", "kind": "questionnaire" });
    let (_, c) = send(app.post(&host, "/api/v1/consultations").bearer_auth(&admin).json(&body)).await;
    let path = format!("/api/v1/consultations/{}", c["id"].as_str().unwrap());
    let add = |q: Value| send(app.post(&host, &format!("{path}/questions")).bearer_auth(&admin).json(&q));
    let (_, place) = add(json!({ "kind": "single_choice", "label": "=Où ?", "required": true, "options": ["Centre", "Gare", "École"] })).await;
    let (_, days) = add(json!({ "kind": "multiple_choice", "label": "Quels jours ?", "options": ["Lundi", "Samedi"], "min": 1, "max": 2 })).await;
    let (_, score) =
        add(json!({ "kind": "scale", "label": "Importance", "required": true, "min": 1, "max": 5 })).await;
    let (_, ideas) = add(json!({ "kind": "text", "label": "Idées", "max": 500 })).await;
    assert_eq!(send(app.post(&host, &format!("{path}/publish")).bearer_auth(&admin)).await.0, StatusCode::OK);

    let people = citizens_named(&app, &host, "cycliste", 4).await;
    let option = |q: &Value, i: usize| q["options"][i]["id"].clone();
    let texts = [
        "=HYPERLINK(\"http://evil.example\",\"clic\")",
        "+33 6 12",
        "Des arceaux <script>x</script>",
        "@SOMME(A1)",
    ];
    for (i, who) in people.iter().enumerate() {
        let mut answers = vec![
            json!({ "question_id": place["id"], "option_ids": [option(&place, usize::from(i > 0))] }),
            json!({ "question_id": score["id"], "value": i + 2 }),
            json!({ "question_id": ideas["id"], "text": texts[i] }),
        ];
        if i < 2 {
            answers.push(
                json!({ "question_id": days["id"], "option_ids": [option(&days, 0), option(&days, 1)] }),
            );
        }
        let (status, body) = send(
            app.post(&host, &format!("{path}/responses"))
                .bearer_auth(who)
                .json(&json!({ "answers": answers })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    // Open: staff see results (with texts), the public does not yet.
    let results = format!("{path}/results");
    let (status, problem) = send(app.get(&host, &results)).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
    let (status, staff_view) = send(app.get(&host, &results).bearer_auth(&moderator)).await;
    assert_eq!(status, StatusCode::OK, "{staff_view}");
    assert_eq!(staff_view["questions"][3]["texts"].as_array().map(Vec::len), Some(4));
    let text = json!({ "body": "Nous avons entendu : **des arceaux**. Nous ferons : 40 places." });
    let (status, problem) = send(app.post(&host, &results).bearer_auth(&admin).json(&text)).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("conflict")),
        "not before closing"
    );

    assert_eq!(send(app.post(&host, &format!("{path}/close")).bearer_auth(&admin)).await.0, StatusCode::OK);
    let (status, public) = send(app.get(&host, &results)).await;
    assert_eq!(status, StatusCode::OK, "{public}");
    assert_eq!(public["participants"], 4);
    let q = &public["questions"];
    let counts = |q: &Value| {
        q["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| (o["count"].as_i64().unwrap(), o["percent"].as_f64().unwrap()))
            .collect::<Vec<_>>()
    };
    assert_eq!(counts(&q[0]), [(1, 25.0), (3, 75.0), (0, 0.0)]);
    assert_eq!((q[1]["answered"].as_i64(), counts(&q[1])), (Some(2), vec![(2, 100.0), (2, 100.0)]));
    assert_eq!(q[2]["mean"].as_f64(), Some(3.5));
    assert_eq!(q[2]["distribution"].as_array().map(Vec::len), Some(4));
    assert_eq!((q[3]["answered"].as_i64(), q[3].get("texts")), (Some(4), None), "free text is for staff");

    // The results text: checked, then published once to every participant.
    for bad in [json!({ "body": "" }), json!({ "body": "x".repeat(50_001) }), json!({ "body": 3 })] {
        assert_eq!(
            send(app.post(&host, &results).bearer_auth(&admin).json(&bad)).await.0,
            StatusCode::BAD_REQUEST
        );
    }
    assert_eq!(
        send(app.post(&host, &results).bearer_auth(&moderator).json(&text)).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, published) = send(app.post(&host, &results).bearer_auth(&admin).json(&text)).await;
    assert_eq!(status, StatusCode::OK, "{published}");
    assert!(published["html"].as_str().unwrap().contains("<strong>des arceaux</strong>"));
    let arrived = sink.wait_for(4, std::time::Duration::from_secs(10)).await;
    assert_eq!(arrived.len(), 4);
    let correction = json!({ "body": "Nous ferons : 50 places." });
    assert_eq!(send(app.post(&host, &results).bearer_auth(&admin).json(&correction)).await.0, StatusCode::OK);
    let (_, shown) = send(app.get(&host, &path)).await;
    assert!(shown["results_html"].as_str().unwrap().contains("50 places"));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(subject_count(&sink, "Résultats : Plan vélo"), 4, "a correction does not mail again");

    // Exports: admins only; formulas neutralised.
    let export = format!("{path}/export.csv");
    assert_eq!(send(app.get(&host, &export).bearer_auth(&moderator)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(send(app.get(&host, &export).bearer_auth(&people[0])).await.0, StatusCode::FORBIDDEN);
    let res = app.get(&host, &export).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv_text = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header, ["Réponse", "Date", "'=Où ?", "Quels jours ?", "Importance", "Idées"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4);
    for row in &rows {
        for cell in row.iter() {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "unsafe cell {cell:?}");
        }
    }
    assert!(rows.iter().any(|r| &r[5] == "'=HYPERLINK(\"http://evil.example\",\"clic\")"));
    assert!(rows.iter().any(|r| &r[3] == "Lundi; Samedi"));
    let (status, json_export) =
        send(app.get(&host, &format!("{path}/export.json")).bearer_auth(&admin)).await;
    assert_eq!((status, json_export["rows"].as_array().map(Vec::len)), (StatusCode::OK, Some(4)));

    // Open data: aggregates only, nobody's name, address or words.
    let res = app.get(&host, &format!("{path}/open-data.json")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let open = res.text().await.unwrap();
    for personal in ["cycliste", "@example.fr", "Habitant", "arceaux <script>", "HYPERLINK"] {
        assert!(!open.contains(personal), "open data holds {personal:?}");
    }
    assert!(open.contains("Licence Ouverte"));

    // Statistics for staff.
    let (status, stats) = send(app.get(&host, "/api/v1/admin/stats?days=7").bearer_auth(&moderator)).await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    assert_eq!((stats["participants"].as_i64(), stats["contributions"].as_i64()), (Some(4), Some(4)));
    assert_eq!(stats["by_day"].as_array().map(Vec::len), Some(7));
    assert_eq!(stats["by_day"][6]["participants"], 4);
    assert!(stats["emails"].as_i64().unwrap() >= 4, "{stats}");
    assert_eq!(stats["by_consultation"][0]["participants"], 4);
    for bad in ["days=0", "days=367", "days=abc"] {
        let (status, problem) =
            send(app.get(&host, &format!("/api/v1/admin/stats?{bad}")).bearer_auth(&admin)).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("validation_failed")),
            "{bad}"
        );
    }
    assert_eq!(
        send(app.get(&host, "/api/v1/admin/stats").bearer_auth(&people[0])).await.0,
        StatusCode::FORBIDDEN
    );

    // A citizen's copy of their data holds their response.
    let (_, mine) = send(app.get(&host, "/api/v1/me/export").bearer_auth(&people[0])).await;
    assert_eq!(mine["contributions"]["responses"].as_array().map(Vec::len), Some(1));
    assert_eq!(mine["contributions"]["answers"].as_array().map(Vec::len), Some(5));
}

async fn export_csv(app: &participation_tests::TestApp, host: &str, path: &str, admin: &str) -> String {
    let res = app.get(host, &format!("{path}/export.csv")).bearer_auth(admin).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.unwrap()
}

#[tokio::test]
async fn idea_box_and_budget_results() {
    let (app, _sink, host) = town_app().await;
    let admin = staff(&app, &host, "admin").await;
    let people = citizens_named(&app, &host, "voisine", 3).await;

    let body = json!({ "title": "Idées", "kind": "proposals" });
    let (_, c) = send(app.post(&host, "/api/v1/consultations").bearer_auth(&admin).json(&body)).await;
    let path = format!("/api/v1/consultations/{}", c["id"].as_str().unwrap());
    send(app.post(&host, &format!("{path}/publish")).bearer_auth(&admin)).await;
    let mut ids = Vec::new();
    for title in ["-Un banc", "Un parc"] {
        let (_, p) = send(
            app.post(&host, &format!("{path}/proposals"))
                .bearer_auth(&people[0])
                .json(&json!({ "title": title, "body": "Oui." })),
        )
        .await;
        ids.push(p["id"].as_str().unwrap().to_owned());
    }
    for who in &people {
        send(
            app.request(reqwest::Method::PUT, &host, &format!("/api/v1/proposals/{}/support", ids[1]))
                .bearer_auth(who),
        )
        .await;
    }
    send(app.post(&host, &format!("{path}/close")).bearer_auth(&admin)).await;
    let (_, results) = send(app.get(&host, &format!("{path}/results"))).await;
    let boxed = &results["idea_box"];
    assert_eq!((boxed["proposals"].as_i64(), boxed["supports"].as_i64()), (Some(2), Some(3)), "{results}");
    assert_eq!(
        (boxed["top"][0]["title"].as_str(), boxed["top"][0]["supports"].as_i64()),
        (Some("Un parc"), Some(3))
    );
    assert_eq!(results["participants"], 3);
    let csv_text = export_csv(&app, &host, &path, &admin).await;
    assert!(csv_text.contains(",'-Un banc,"), "{csv_text}");

    let body = json!({ "title": "Budget", "kind": "budget", "budget_cents": 100_000 });
    let (_, c) = send(app.post(&host, "/api/v1/consultations").bearer_auth(&admin).json(&body)).await;
    let path = format!("/api/v1/consultations/{}", c["id"].as_str().unwrap());
    let mut projects = Vec::new();
    for (title, cost) in [("Parc", 60_000), ("Piste", 50_000)] {
        let (_, p) = send(
            app.post(&host, &format!("{path}/projects"))
                .bearer_auth(&admin)
                .json(&json!({ "title": title, "cost_cents": cost })),
        )
        .await;
        projects.push(p["id"].clone());
    }
    send(app.post(&host, &format!("{path}/publish")).bearer_auth(&admin)).await;
    for (i, who) in people.iter().enumerate() {
        let choice = if i == 0 { json!([projects[0]]) } else { json!([projects[1]]) };
        let (status, _) = send(
            app.post(&host, &format!("{path}/ballot"))
                .bearer_auth(who)
                .json(&json!({ "project_ids": choice })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    send(app.post(&host, &format!("{path}/close")).bearer_auth(&admin)).await;
    let (_, results) = send(app.get(&host, &format!("{path}/results"))).await;
    let budget = &results["budget"];
    assert_eq!(budget["ballots"], 3);
    let ranked: Vec<(&str, bool)> = budget["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["title"].as_str().unwrap(), p["funded"].as_bool().unwrap()))
        .collect();
    assert_eq!(ranked, [("Piste", true), ("Parc", false)]);
    let csv_text = export_csv(&app, &host, &path, &admin).await;
    let mut reader = csv::Reader::from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes());
    let chosen: usize = reader.records().map(|r| r.unwrap().iter().filter(|c| *c == "1").count()).sum();
    assert_eq!(chosen, 3);
}
