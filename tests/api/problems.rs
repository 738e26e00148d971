//! Whatever a client sends, the answer is a clear problem+json, never a 500.
use participation_tests::{PLATFORM_DOMAIN, TestApp};
use serde_json::{Value, json};

use crate::support::{assert_problem, spawn};

const ECHO: &str = "/api/v1/_test/echo";

#[tokio::test]
async fn a_declared_oversized_body_is_refused_before_it_is_read() {
    let app = spawn().await;
    let body = vec![b'a'; 300 * 1024];
    let res = app
        .post(PLATFORM_DOMAIN, ECHO)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["connection"], "close");
    let problem = assert_problem(res, 413, "payload_too_large").await;
    assert!(problem["detail"].as_str().unwrap().contains("256"));
}

#[tokio::test]
async fn an_oversized_chunked_body_is_cut_off() {
    let app = spawn().await;
    // No Content-Length: the body streams in chunks until the limit trips.
    let chunks = (0..40).map(|_| Ok::<_, std::io::Error>(vec![b' '; 16 * 1024]));
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let res = app
        .post(PLATFORM_DOMAIN, ECHO)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["connection"], "close", "the connection is not kept for the rest of the body");
    assert_problem(res, 413, "payload_too_large").await;
}

#[tokio::test]
async fn malformed_json_names_what_is_wrong() {
    let app = spawn().await;
    let send = |body: &'static str| {
        app.post(PLATFORM_DOMAIN, ECHO).header("content-type", "application/json").body(body).send()
    };
    let syntax = assert_problem(send("{\"name\": ").await.unwrap(), 400, "validation_failed").await;
    assert_eq!(syntax["errors"][0]["field"], "body");

    let missing = assert_problem(send("{\"name\": \"x\"}").await.unwrap(), 400, "validation_failed").await;
    assert_eq!(missing["errors"][0]["field"], "count");

    let wrong_type =
        assert_problem(send("{\"name\": \"x\", \"count\": -1}").await.unwrap(), 400, "validation_failed")
            .await;
    assert!(wrong_type["errors"][0]["message"].as_str().unwrap().starts_with("Valeur invalide"));

    let ok = send("{\"name\": \"x\", \"count\": 3}").await.unwrap();
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn a_body_that_is_not_json_gets_415() {
    let app = spawn().await;
    let res = app
        .post(PLATFORM_DOMAIN, ECHO)
        .header("content-type", "text/plain")
        .body("name=x")
        .send()
        .await
        .unwrap();
    assert_problem(res, 415, "validation_failed").await;
}

#[tokio::test]
async fn problems_speak_english_on_request() {
    let app = spawn().await;
    let fr = assert_problem(app.get("nowhere.example", "/").send().await.unwrap(), 404, "unknown_host").await;
    assert_eq!(fr["title"], "Adresse inconnue");
    let res = app
        .get("nowhere.example", "/")
        .header("Accept-Language", "en-GB,en;q=0.9,fr;q=0.5")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-language"], "en");
    let en = assert_problem(res, 404, "unknown_host").await;
    assert_eq!(en["title"], "Unknown host");

    let res = app
        .post(PLATFORM_DOMAIN, ECHO)
        .header("Accept-Language", "en")
        .json(&json!({"name": 1}))
        .send()
        .await
        .unwrap();
    let en = assert_problem(res, 400, "validation_failed").await;
    assert_eq!(en["title"], "Validation failed");
    assert!(en["errors"][0]["message"].as_str().unwrap().starts_with("Invalid value"));
}

#[tokio::test]
async fn unknown_paths_and_methods_are_problems_too() {
    let app = spawn().await;
    assert_problem(app.get(PLATFORM_DOMAIN, "/api/v1/nothing-here").send().await.unwrap(), 404, "not_found")
        .await;
    let res = app.request(reqwest::Method::DELETE, PLATFORM_DOMAIN, "/api/v1/communes").send().await.unwrap();
    assert_problem(res, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn internal_errors_are_opaque_and_carry_the_request_id() {
    let app = spawn().await;
    let res = app
        .get(PLATFORM_DOMAIN, "/api/v1/_test/db-error")
        .header("X-Request-Id", "support-42")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "support-42");
    let body = assert_problem(res, 500, "internal").await;
    assert_eq!(body["request_id"], "support-42");
    assert!(!body.to_string().contains("no_such_table"));
}

#[tokio::test]
async fn a_forged_request_id_is_replaced() {
    let app = spawn().await;
    let res = app.get(PLATFORM_DOMAIN, "/healthz").header("X-Request-Id", "a\"b c").send().await.unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
}

#[tokio::test]
async fn hostile_input_never_causes_a_server_error() {
    let app = spawn().await;
    app.create_town("cible", "63338", "active").await;
    let bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"{\"name\": \"\\u0000\", \"count\": 99999999999999999999}".to_vec(),
        vec![0xff, 0xfe, 0x00, 0x7b],
        "{\"name\": \"é\u{202e}\", \"count\": 1}".as_bytes().to_vec(),
        format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes(),
        b"{\"name\": \"x\", \"count\": 1, \"extra\": {\"deep\": true}}".to_vec(),
    ];
    let queries = [
        "?q=%00",
        "?q=%27%3B--",
        "?q=%25%25",
        "?q=ab&limit=0",
        "?q=ab&limit=-5",
        "?q=ab&limit=abc",
        "?q=",
        "?limit=3",
        "?q=%E2%80%AE%F0%9F%98%80xx",
    ];
    for host in [PLATFORM_DOMAIN.to_owned(), TestApp::town_host("cible")] {
        for body in &bodies {
            let res = app
                .post(&host, ECHO)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .unwrap();
            assert!(
                res.status().as_u16() < 500,
                "{host} {:?} -> {}",
                String::from_utf8_lossy(&body[..body.len().min(40)]),
                res.status()
            );
        }
        for q in queries {
            let res = app.get(&host, &format!("/api/v1/communes{q}")).send().await.unwrap();
            assert!(res.status().as_u16() < 500, "{host} {q} -> {}", res.status());
            let ct = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
            if !res.status().is_success() {
                assert_eq!(ct.as_deref(), Some("application/problem+json"), "{q}");
                let _: Value = res.json().await.unwrap();
            }
        }
        for path in ["/api/v1/communes/%00", "/api/v1/communes/..%2F..", "/api/v1/communes/2A004%20", "/%ff"]
        {
            let res = app.get(&host, path).send().await.unwrap();
            assert!(res.status().as_u16() < 500, "{host} {path} -> {}", res.status());
        }
    }
}
