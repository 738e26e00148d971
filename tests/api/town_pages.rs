//! What a town says about itself: its settings (name shown, public contact,
//! legal texts) through the API, and its legal pages, which fall back on the
//! platform's texts until the town writes its own.
use reqwest::{StatusCode, header};
use serde_json::json;

use crate::{
    auth_citizen::town_app,
    people::{citizens, send, staff},
};

async fn page(app: &participation_tests::TestApp, host: &str, path: &str) -> (StatusCode, String) {
    let res = app.get(host, path).header(header::ACCEPT, "text/html").send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

#[tokio::test]
async fn legal_pages_speak_for_the_town_until_it_writes_its_own() {
    let (app, _sink, host) = town_app().await;
    let (status, notice) = page(&app, &host, "/legal/notice").await;
    assert_eq!(status, StatusCode::OK);
    assert!(notice.contains("publié par la commune de Hanches"), "{notice}");
    let (_, statement) = page(&app, &host, "/legal/accessibility").await;
    assert!(statement.contains("partiellement conforme") && statement.contains("Défenseur des droits"));
    assert_eq!(statement.matches("<h1").count(), 1);
    let (_, privacy) = page(&app, &host, "/legal/privacy").await;
    assert!(privacy.contains("href=\"/account\""), "the rights point to the account page");

    let admin = staff(&app, &host, "admin").await;
    let settings = json!({
        "name": "Hanches (Eure-et-Loir)",
        "public_email": "mairie@hanches.example.fr",
        "legal_notice": "## Éditeur\n\nMairie, 1 place de l’Église. <script>alert(1)</script>",
    });
    let (status, saved) = send(
        app.request(reqwest::Method::PUT, &host, "/api/v1/admin/town").bearer_auth(&admin).json(&settings),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["privacy_notice"], serde_json::Value::Null, "absent texts stay the platform's");
    let (_, notice) = page(&app, &host, "/legal/notice").await;
    assert!(notice.contains("1 place de l’Église") && !notice.contains("<script>"), "{notice}");
    assert!(notice.contains("mailto:mairie@hanches.example.fr"));
    let (_, home) = page(&app, &host, "/").await;
    assert!(home.contains("Hanches (Eure-et-Loir)"), "the new name shows at once");

    let look = json!({ "logo_url": "https://hanches.example.fr/logo.png", "color": "#0a7a3b" });
    let (status, _) = send(
        app.request(reqwest::Method::PUT, &host, "/api/v1/admin/branding").bearer_auth(&admin).json(&look),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, home) = page(&app, &host, "/").await;
    assert!(
        home.contains("<img src=\"https://hanches.example.fr/logo.png\" alt=\"\""),
        "the logo heads every page: {home}"
    );
}

#[tokio::test]
async fn bad_settings_are_refused_whole_and_only_admins_may_change_them() {
    let (app, _sink, host) = town_app().await;
    let admin = staff(&app, &host, "admin").await;
    let put = |token: &str, body: serde_json::Value| {
        app.request(reqwest::Method::PUT, &host, "/api/v1/admin/town")
            .bearer_auth(token.to_owned())
            .json(&body)
    };
    let bad = json!({ "name": "X", "public_email": "nope", "accessibility_statement": "x".repeat(20_001) });
    let (status, problem) = send(put(&admin, bad)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let fields: Vec<_> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["name", "public_email", "accessibility_statement"]);
    let (_, current) = send(app.get(&host, "/api/v1/admin/town").bearer_auth(&admin)).await;
    assert_eq!(
        (current["name"].as_str(), &current["public_email"]),
        (Some("Hanches"), &serde_json::Value::Null),
        "nothing changed"
    );

    let moderator = staff(&app, &host, "moderator").await;
    let citizen = citizens(&app, &host, 1).await.remove(0);
    for token in [moderator, citizen] {
        let (status, _) = send(put(&token, json!({ "name": "Pirate" }))).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, _) = send(
        app.request(reqwest::Method::PUT, &host, "/api/v1/admin/town").json(&json!({ "name": "Pirate" })),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
