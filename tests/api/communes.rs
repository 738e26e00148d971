//! The shipped commune list, searched from the platform host (signup form).
use participation_tests::{PLATFORM_DOMAIN, TestApp};
use serde_json::Value;

use crate::support::{assert_problem, spawn};

async fn search(app: &TestApp, query: &str) -> Vec<Value> {
    let res = app.get(PLATFORM_DOMAIN, &format!("/api/v1/communes?{query}")).send().await.unwrap();
    assert_eq!(res.status(), 200, "{query}");
    res.json().await.unwrap()
}

#[tokio::test]
async fn communes_are_found_by_name_postal_code_and_insee_code() {
    let app = spawn().await;
    let by_name = search(&app, "q=saint-%C3%A9loy").await;
    assert_eq!(by_name[0]["name"], "Saint-Éloy-les-Mines");
    assert_eq!(by_name[0]["insee_code"], "63338");
    assert_eq!(by_name[0]["postal_codes"][0], "63700");

    let by_postal_code = search(&app, "q=63700").await;
    assert!(by_postal_code.iter().any(|c| c["insee_code"] == "63338"));

    let corsica = search(&app, "q=2a004").await;
    assert_eq!(corsica.len(), 1);
    assert_eq!(corsica[0]["name"], "Ajaccio");

    let word_inside = search(&app, "q=mines&limit=50").await;
    assert!(word_inside.iter().any(|c| c["insee_code"] == "63338"));
    assert!(search(&app, "q=paris&limit=3").await.len() <= 3);
}

#[tokio::test]
async fn one_commune_by_code() {
    let app = spawn().await;
    let res = app.get(PLATFORM_DOMAIN, "/api/v1/communes/97411").send().await.unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["name"], "Saint-Denis");
    assert_eq!(body["department"], "974");
    for missing in ["99999", "20004", "abc"] {
        let res = app.get(PLATFORM_DOMAIN, &format!("/api/v1/communes/{missing}")).send().await.unwrap();
        assert_problem(res, 404, "not_found").await;
    }
}

#[tokio::test]
async fn bad_searches_name_the_parameter() {
    let app = spawn().await;
    for (query, field) in
        [("q=a", "q"), ("q=%25_", "q"), ("q=paris&limit=51", "limit"), ("q=paris&limit=0", "limit")]
    {
        let res = app.get(PLATFORM_DOMAIN, &format!("/api/v1/communes?{query}")).send().await.unwrap();
        let body = assert_problem(res, 400, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], field, "{query}");
    }
}

#[tokio::test]
async fn the_commune_list_is_not_served_on_town_hosts() {
    let app = spawn().await;
    app.create_town("ville", "63338", "active").await;
    let res = app.get(&TestApp::town_host("ville"), "/api/v1/communes?q=paris").send().await.unwrap();
    assert_problem(res, 404, "not_found").await;
}
