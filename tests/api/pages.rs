//! The town's pages: a home page that works without JavaScript, one `h1`, a
//! skip link, French by default, and the town's colour only when readable.
use participation_tests::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::{
    auth_citizen::town_app,
    people::{send, staff},
};

async fn consultation(app: &TestApp, host: &str, admin: &str, title: &str, audience: &str) -> String {
    let body =
        json!({ "title": title, "summary": "En deux mots.", "kind": "proposals", "audience": audience });
    let (_, c) = send(app.post(host, "/api/v1/consultations").bearer_auth(admin).json(&body)).await;
    c["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_home_page_lists_open_then_closed_consultations() {
    let (app, _sink, host) = town_app().await;
    let admin = staff(&app, &host, "admin").await;
    let open = consultation(&app, &host, &admin, "Le marché <b>", "public").await;
    let closed = consultation(&app, &host, &admin, "Le stade", "public").await;
    let members = consultation(&app, &host, &admin, "Réservée aux inscrits", "registered").await;
    consultation(&app, &host, &admin, "Brouillon secret", "public").await;
    for id in [&open, &closed, &members] {
        send(app.post(&host, &format!("/api/v1/consultations/{id}/publish")).bearer_auth(&admin)).await;
    }
    send(app.post(&host, &format!("/api/v1/consultations/{closed}/close")).bearer_auth(&admin)).await;

    let res = app.get(&host, "/").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let page = res.text().await.unwrap();
    assert!(
        page.contains("<html lang=\"fr\">")
            && page.contains("href=\"#contenu\"")
            && page.contains("id=\"contenu\"")
    );
    assert_eq!(page.matches("<h1").count(), 1, "{page}");
    assert!(
        page.contains("Le marché &#60;b&#62;") || page.contains("Le marché &lt;b&gt;"),
        "escaped: {page}"
    );
    let (at_open, at_closed) = (page.find(&open).unwrap(), page.find(&format!("{closed}/results")).unwrap());
    assert!(at_open < at_closed, "open first");
    assert!(!page.contains("Brouillon secret") && !page.contains("Réservée aux inscrits"), "{page}");
    assert!(!page.contains("style=\"") && !page.contains("<style") && !page.contains("<script"));
    assert!(page.len() < 100_000);
}

#[tokio::test]
async fn the_towns_colour_is_used_only_when_it_reads_well() {
    let (app, _sink, host) = town_app().await;
    let admin = staff(&app, &host, "admin").await;
    let css = || async { app.get(&host, "/town.css").send().await.unwrap().text().await.unwrap() };
    assert!(css().await.contains("--town: #1a4d8f"));
    for (colour, shown) in [("#0a7a3b", "#0a7a3b"), ("#ffcc00", "#1a4d8f")] {
        let look = json!({ "color": colour });
        assert_eq!(
            send(app.request(Method::PUT, &host, "/api/v1/admin/branding").bearer_auth(&admin).json(&look))
                .await
                .0,
            StatusCode::OK
        );
        assert!(css().await.contains(&format!("--town: {shown}")), "{colour}");
    }
}

#[tokio::test]
async fn browsers_get_error_pages_and_api_clients_problems() {
    let (app, _sink, host) = town_app().await;
    let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let res = app.get(&host, "/nulle-part").header("Accept", browser).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let page = res.text().await.unwrap();
    assert!(
        page.contains("<html lang=\"fr\">")
            && page.contains("<h1>Introuvable</h1>")
            && page.contains("href=\"/\""),
        "{page}"
    );
    assert_eq!(page.matches("<h1").count(), 1);
    assert!(page.contains("/town.css"), "a town's page wears its colour");
    let res = app
        .get(&host, "/nulle-part")
        .header("Accept", browser)
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    let page = res.text().await.unwrap();
    assert!(
        page.contains("<html lang=\"en\">")
            && page.contains("Not found")
            && page.contains("Back to the home page")
    );
    let res = app
        .get(participation_tests::PLATFORM_DOMAIN, "/nulle-part")
        .header("Accept", browser)
        .send()
        .await
        .unwrap();
    let page = res.text().await.unwrap();
    assert!(page.contains("Participation") && !page.contains("/town.css"), "{page}");

    let res = app.get(&host, "/api/v1/nulle-part").send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let forbidden = app.get(&host, "/api/v1/admin/stats").header("Accept", browser).send().await.unwrap();
    assert_eq!(forbidden.status(), StatusCode::UNAUTHORIZED);
    assert!(forbidden.text().await.unwrap().contains("Connexion requise"));
}
