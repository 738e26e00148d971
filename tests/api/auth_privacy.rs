//! RGPD: a citizen downloads what is held about them, then erases their account.
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::auth_citizen::{link_token, town_app, verified_citizen};

#[tokio::test]
async fn a_citizen_exports_their_data_then_erases_the_account() {
    let (app, sink, host) = town_app().await;
    let tokens = verified_citizen(&app, &sink, &host, "jeanne@example.fr").await;
    let access = tokens["access_token"].as_str().unwrap();
    // The verification mail is in the export once sent.
    sink.wait_for(1, std::time::Duration::from_secs(10)).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let res = app.get(&host, "/api/v1/me/export").bearer_auth(access).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let export: Value = res.json().await.unwrap();
    assert_eq!(export["account"]["email"], "jeanne@example.fr");
    assert_eq!(export["mails"][0]["recipient"], "jeanne@example.fr");
    assert_eq!(export["mails"][0]["status"], "sent");

    let res =
        app.request(reqwest::Method::DELETE, &host, "/api/v1/me").bearer_auth(access).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // Sessions are gone, the address is free, and a confirmation went to it.
    let refresh = json!({ "refresh_token": tokens["refresh_token"] });
    assert_eq!(
        app.post(&host, "/api/v1/auth/refresh").json(&refresh).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let login = json!({ "email": "jeanne@example.fr", "password": "vélo cargo sous la pluie" });
    assert_eq!(
        app.post(&host, "/api/v1/auth/login").json(&login).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let mails = sink.wait_for(2, std::time::Duration::from_secs(10)).await;
    let confirmation = mails
        .iter()
        .find(|m| String::from_utf8_lossy(&m.data).contains("Votre compte a =C3=A9t=C3=A9 supprim"));
    let confirmation = confirmation.or_else(|| {
        mails.iter().find(|m| {
            mail_parser::MessageParser::default()
                .parse(&m.data)
                .and_then(|p| p.subject().map(str::to_owned))
                .as_deref()
                == Some("Votre compte a été supprimé")
        })
    });
    assert_eq!(confirmation.expect("confirmation mail").to, ["jeanne@example.fr"]);

    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let left = entity::user::Entity::find()
        .filter(entity::user::Column::Email.contains("jeanne"))
        .all(app.db())
        .await
        .unwrap();
    assert!(left.is_empty(), "no account row keeps the address");
    // The same address may register afresh (its new link is the latest mail).
    let before = sink.received().len();
    let register = json!({ "email": "jeanne@example.fr", "password": "un tout nouveau départ", "display_name": "Jeanne" });
    assert_eq!(
        app.post(&host, "/api/v1/auth/register").json(&register).send().await.unwrap().status(),
        StatusCode::CREATED
    );
    sink.wait_for(before + 1, std::time::Duration::from_secs(10)).await;
    let token = link_token(&sink, "jeanne@example.fr", "/verify-email").await;
    let verify =
        app.post(&host, "/api/v1/auth/verify-email").json(&json!({ "token": token })).send().await.unwrap();
    assert_eq!(verify.status(), StatusCode::OK);
}
