//! `participation demo`: one command gives a town someone can log into and
//! find alive; running it again keeps the town and changes the passwords.
use participation_tests::{TestApp, spawn_app};
use reqwest::StatusCode;
use serde_json::json;

use crate::people::send;

/// The password printed after `who` on a line of the demo's output.
fn password_of(output: &str, who: &str) -> String {
    let line = output.lines().find(|l| l.contains(who)).unwrap_or_else(|| panic!("{who} in {output}"));
    line.rsplit(" / ").next().unwrap().trim().to_owned()
}

async fn login(app: &TestApp, host: &str, email: &str, password: &str) -> (StatusCode, String) {
    let (status, body) =
        send(app.post(host, "/api/v1/auth/login").json(&json!({ "email": email, "password": password })))
            .await;
    (status, body["access_token"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn the_demo_town_is_alive_and_its_logins_work() {
    let app = spawn_app().await;
    let output = platform::demo::seed((*app.state.config).clone()).await.expect("demo seeds");
    let host = TestApp::town_host("demo");
    assert!(output.contains(&format!("http://{host}")), "{output}");

    let (status, admin) =
        login(&app, &host, "mairie@example.org", &password_of(&output, "administratrice")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, citizen) =
        login(&app, &host, "camille@example.org", &password_of(&output, "habitant")).await;
    assert_eq!(status, StatusCode::OK);

    let (_, open) = send(app.get(&host, "/api/v1/consultations")).await;
    let kinds: Vec<&str> = open.as_array().unwrap().iter().map(|c| c["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.len(), 3, "{open}");
    for kind in ["questionnaire", "proposals", "budget"] {
        assert!(kinds.contains(&kind), "{kind} missing");
    }
    for c in open.as_array().unwrap() {
        let (status, results) = send(
            app.get(&host, &format!("/api/v1/consultations/{}/results", c["id"].as_str().unwrap()))
                .bearer_auth(&admin),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(results["participants"], 5, "{results}");
    }
    let (_, me) = send(app.get(&host, "/api/v1/me").bearer_auth(&citizen)).await;
    assert_eq!(me["email"], "camille@example.org");

    // The demo town does not hold its commune's place.
    let signup = json!({ "insee_code": "28191", "slug": "hanches", "contact_email": "mairie@hanches.fr", "contact_name": "Mairie" });
    let (status, body) =
        send(app.post(participation_tests::PLATFORM_DOMAIN, "/api/v1/signup").json(&signup)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, session) = send(app.post(&host, "/api/v1/auth/login").json(
        &json!({ "email": "mairie@example.org", "password": password_of(&output, "administratrice") }),
    ))
    .await;

    // Again: same town, same consultations, new passwords.
    let again = platform::demo::seed((*app.state.config).clone()).await.expect("demo seeds again");
    let old = password_of(&output, "administratrice");
    assert_ne!(password_of(&again, "administratrice"), old);
    assert_eq!(login(&app, &host, "mairie@example.org", &old).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        login(&app, &host, "mairie@example.org", &password_of(&again, "administratrice")).await.0,
        StatusCode::OK
    );
    let (_, open) = send(app.get(&host, "/api/v1/consultations")).await;
    assert_eq!(open.as_array().map(Vec::len), Some(3));
    let refresh = json!({ "refresh_token": session["refresh_token"] });
    assert_eq!(
        send(app.post(&host, "/api/v1/auth/refresh").json(&refresh)).await.0,
        StatusCode::UNAUTHORIZED,
        "sessions end"
    );
}
