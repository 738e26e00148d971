//! A town's whole journey: signup, confirmation, review, invitation, first
//! admin; and what an operator can do to it afterwards.
use participation_tests::{PLATFORM_DOMAIN, TestApp, smtp::SmtpSink, spawn_app_running_worker};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::auth_citizen::{link_token, verified_citizen};

async fn send(req: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// An app mailing to a sink, and a logged-in operator's access token.
async fn platform_with_operator() -> (TestApp, SmtpSink, String) {
    let sink = SmtpSink::start().await;
    let app =
        spawn_app_running_worker(&[("SMTP_URL", sink.url()), ("MAIL_RATE_PER_SECOND", "0".into())]).await;
    let token = operator_token(&app).await;
    (app, sink, token)
}

/// Creates an operator with the command line's function, sets the password by
/// the printed link, logs in, and returns the access token.
pub(crate) async fn operator_token(app: &TestApp) -> String {
    let link =
        common::operator_cli::create_operator(&app.state.config, "ops@participation.test").await.unwrap();
    let prefix = format!("http://{PLATFORM_DOMAIN}/password/reset?token=");
    let token = link.strip_prefix(&prefix).unwrap_or_else(|| panic!("{link}"));
    let password = "une phrase de passe pour l’opérateur";
    let (status, _) = send(
        app.post(PLATFORM_DOMAIN, "/api/v1/auth/password/reset")
            .json(&json!({ "token": token, "password": password })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, tokens) = send(
        app.post(PLATFORM_DOMAIN, "/api/v1/auth/login")
            .json(&json!({ "email": "ops@participation.test", "password": password })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    tokens["access_token"].as_str().unwrap().to_owned()
}

fn signup_body(insee: &str, slug: &str) -> Value {
    json!({ "insee_code": insee, "slug": slug, "contact_email": "mairie@hanches.fr", "contact_name": "Secrétariat de mairie" })
}

#[tokio::test]
async fn signup_verify_approve_invite_and_the_first_admin_logs_in() {
    let (app, sink, operator) = platform_with_operator().await;
    let (status, body) =
        send(app.post(PLATFORM_DOMAIN, "/api/v1/signup").json(&signup_body("28191", "hanches"))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["status"], "pending_email");
    let id = body["id"].as_str().unwrap().to_owned();
    // Not yet a space: the town's host is unknown.
    let host = TestApp::town_host("hanches");
    assert_eq!(app.get(&host, "/api/v1/me").send().await.unwrap().status(), StatusCode::NOT_FOUND);

    let token = link_token(&sink, "mairie@hanches.fr", "/signup/verify").await;
    let (status, body) =
        send(app.post(PLATFORM_DOMAIN, "/api/v1/signup/verify").json(&json!({ "token": token }))).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("pending_review")));

    let (status, list) = send(
        app.get(PLATFORM_DOMAIN, "/api/v1/operator/tenants?status=pending_review").bearer_auth(&operator),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!((list[0]["name"].as_str(), list[0]["citizens"].as_u64()), (Some("Hanches"), Some(0)));

    let approve = format!("/api/v1/operator/tenants/{id}/approve");
    let (status, body) = send(app.post(PLATFORM_DOMAIN, &approve).bearer_auth(&operator)).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("active")));
    let (status, body) = send(app.post(PLATFORM_DOMAIN, &approve).bearer_auth(&operator)).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")), "approving twice");

    // The contact's invitation opens on the town's own host.
    let token = link_token(&sink, "mairie@hanches.fr", "/invitations/accept").await;
    let accept =
        json!({ "token": token, "password": "la mairie au bord de l’eau", "display_name": "Secrétariat" });
    let (status, tokens) = send(app.post(&host, "/api/v1/auth/invitations/accept").json(&accept)).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let (status, again) = send(app.post(&host, "/api/v1/auth/invitations/accept").json(&accept)).await;
    assert_eq!((status, again["errors"][0]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("token")));
    let (_, me) =
        send(app.get(&host, "/api/v1/me").bearer_auth(tokens["access_token"].as_str().unwrap())).await;
    assert_eq!((me["role"].as_str(), me["email_verified"].as_bool()), (Some("admin"), Some(true)));
    let (status, _) = send(
        app.post(&host, "/api/v1/auth/login")
            .json(&json!({ "email": "mairie@hanches.fr", "password": "la mairie au bord de l’eau" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // The admin invites a moderator; the audit log has every step.
    let admin = tokens["access_token"].as_str().unwrap();
    let (status, _) = send(
        app.post(&host, "/api/v1/admin/members")
            .bearer_auth(admin)
            .json(&json!({ "email": "modo@hanches.fr", "role": "moderator" })),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let token = link_token(&sink, "modo@hanches.fr", "/invitations/accept").await;
    let accept =
        json!({ "token": token, "password": "modérer avec bienveillance", "display_name": "Modération" });
    let (status, modo) = send(app.post(&host, "/api/v1/auth/invitations/accept").json(&accept)).await;
    assert_eq!(status, StatusCode::OK);
    let (_, team) = send(app.get(&host, "/api/v1/admin/members").bearer_auth(admin)).await;
    let roles: Vec<&str> = team.as_array().unwrap().iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["admin", "moderator"]);
    let (status, _) =
        send(app.get(&host, "/api/v1/admin/members").bearer_auth(modo["access_token"].as_str().unwrap()))
            .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "moderators do not manage the team");

    let (_, audit) = send(
        app.get(PLATFORM_DOMAIN, &format!("/api/v1/operator/audit?tenant_id={id}")).bearer_auth(&operator),
    )
    .await;
    let actions: Vec<&str> =
        audit.as_array().unwrap().iter().map(|l| l["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["member.join", "member.invite", "member.join", "tenant.approve"]);
    assert_eq!(audit[3]["actor"], "operator:ops@participation.test");
    assert_eq!(audit[3]["ip"], "127.0.0.1");
}

#[tokio::test]
async fn signup_names_each_bad_field_and_stores_nothing() {
    let (app, _sink, _) = platform_with_operator().await;
    let cases = [
        (signup_body("99999", "hanches"), "insee_code"),
        (signup_body("2819", "hanches"), "insee_code"),
        (signup_body("28191", "www"), "slug"),
        (signup_body("28191", "Hanches!"), "slug"),
        (signup_body("28191", "-hanches"), "slug"),
        (
            json!({ "insee_code": "28191", "slug": "hanches", "contact_email": "x", "contact_name": "A" }),
            "contact_email",
        ),
        (
            json!({ "insee_code": "28191", "slug": "hanches", "contact_email": "a@b.fr", "contact_name": "A\r\nBcc: x" }),
            "contact_name",
        ),
    ];
    for (body, field) in cases {
        let (status, problem) = send(app.post(PLATFORM_DOMAIN, "/api/v1/signup").json(&body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(problem["errors"][0]["field"], field, "{body}: {problem}");
    }
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(entity::tenant::Entity::find().count(app.db()).await.unwrap(), 0);

    let (status, _) =
        send(app.post(PLATFORM_DOMAIN, "/api/v1/signup").json(&signup_body("28191", "hanches"))).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, taken) =
        send(app.post(PLATFORM_DOMAIN, "/api/v1/signup").json(&signup_body("28191", "hanches-2"))).await;
    assert_eq!(taken["errors"][0]["field"], "insee_code", "one live town per commune");
    let (_, taken) =
        send(app.post(PLATFORM_DOMAIN, "/api/v1/signup").json(&signup_body("28279", "hanches"))).await;
    assert_eq!(taken["errors"][0]["field"], "slug", "slugs are unique");
    // Signup is the platform host's; a town host has none.
    app.create_town("nogent", "28279", "active").await;
    let (status, _) =
        send(app.post(&TestApp::town_host("nogent"), "/api/v1/signup").json(&signup_body("28134", "x-y-z")))
            .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn suspension_closes_the_town_and_ends_its_sessions_for_good() {
    let (app, sink, operator) = platform_with_operator().await;
    let id = app.create_town("hanches", "28191", "active").await;
    let host = TestApp::town_host("hanches");
    let citizen = verified_citizen(&app, &sink, &host, "jeanne@example.fr").await;
    let access = citizen["access_token"].as_str().unwrap();

    // A citizen is no operator, on any host.
    let (status, _) = send(app.get(PLATFORM_DOMAIN, "/api/v1/operator/tenants").bearer_auth(access)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a town token is not good on the platform host");
    let (status, _) = send(app.get(&host, "/api/v1/admin/members").bearer_auth(access)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, _) = send(
        app.post(PLATFORM_DOMAIN, &format!("/api/v1/operator/tenants/{id}/suspend")).bearer_auth(&operator),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = send(app.get(&host, "/api/v1/me").bearer_auth(access)).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("tenant_suspended")));
    let (status, _) = send(
        app.post(PLATFORM_DOMAIN, &format!("/api/v1/operator/tenants/{id}/suspend")).bearer_auth(&operator),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Lifted: the space is back, but the sessions it cut stay cut.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, _) = send(
        app.post(PLATFORM_DOMAIN, &format!("/api/v1/operator/tenants/{id}/reactivate"))
            .bearer_auth(&operator),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(send(app.get(&host, "/api/v1/me").bearer_auth(access)).await.0, StatusCode::UNAUTHORIZED);
    let refresh = json!({ "refresh_token": citizen["refresh_token"] });
    assert_eq!(
        send(app.post(&host, "/api/v1/auth/refresh").json(&refresh)).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, fresh) = send(
        app.post(&host, "/api/v1/auth/login")
            .json(&json!({ "email": "jeanne@example.fr", "password": "vélo cargo sous la pluie" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        send(app.get(&host, "/api/v1/me").bearer_auth(fresh["access_token"].as_str().unwrap())).await.0,
        StatusCode::OK
    );

    // Unknown town: 404; rejecting an active town: 409; a reason is required.
    let unknown = uuid::Uuid::new_v4();
    let (status, _) = send(
        app.post(PLATFORM_DOMAIN, &format!("/api/v1/operator/tenants/{unknown}/suspend"))
            .bearer_auth(&operator),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let reject = format!("/api/v1/operator/tenants/{id}/reject");
    let (status, _) =
        send(app.post(PLATFORM_DOMAIN, &reject).bearer_auth(&operator).json(&json!({ "reason": " " }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) =
        send(app.post(PLATFORM_DOMAIN, &reject).bearer_auth(&operator).json(&json!({ "reason": "Doublon" })))
            .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // A custom domain serves the town at once.
    let (status, _) = send(
        app.post(PLATFORM_DOMAIN, &format!("/api/v1/operator/tenants/{id}/domains"))
            .bearer_auth(&operator)
            .json(&json!({ "domain": "Participation.Hanches.fr" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = send(
        app.get("participation.hanches.fr", "/api/v1/me")
            .bearer_auth(fresh["access_token"].as_str().unwrap()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "the town's token works on its custom domain");
    let (status, _) = send(
        app.post(PLATFORM_DOMAIN, &format!("/api/v1/operator/tenants/{id}/domains"))
            .bearer_auth(&operator)
            .json(&json!({ "domain": "evil.participation.test" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a platform subdomain is no custom domain");
}

#[tokio::test]
async fn a_rejected_request_tells_its_contact_why() {
    let (app, sink, operator) = platform_with_operator().await;
    let (_, body) =
        send(app.post(PLATFORM_DOMAIN, "/api/v1/signup").json(&signup_body("28191", "hanches"))).await;
    let id = body["id"].as_str().unwrap();
    let (status, body) = send(
        app.post(PLATFORM_DOMAIN, &format!("/api/v1/operator/tenants/{id}/reject"))
            .bearer_auth(&operator)
            .json(&json!({ "reason": "La demande ne vient pas de la mairie." })),
    )
    .await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("rejected")));
    let mail = sink
        .wait_for(2, std::time::Duration::from_secs(10))
        .await
        .into_iter()
        .find(|m| String::from_utf8_lossy(&m.data).contains("Votre demande d"))
        .expect("rejection mail");
    let parsed = mail_parser::MessageParser::default().parse(&mail.data).unwrap();
    assert!(parsed.body_text(0).unwrap().contains("La demande ne vient pas de la mairie."));
    // The commune is free again for a genuine request.
    let (status, _) =
        send(app.post(PLATFORM_DOMAIN, "/api/v1/signup").json(&signup_body("28191", "hanches-mairie"))).await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn the_town_list_refuses_an_offset_the_database_cannot_take() {
    let (app, _sink, operator) = platform_with_operator().await;
    let list = |offset: &str| {
        app.get(PLATFORM_DOMAIN, &format!("/api/v1/operator/tenants?offset={offset}")).bearer_auth(&operator)
    };
    // 2^63 once made the database driver panic and the connection drop.
    for offset in ["9223372036854775808", "18446744073709551615", "1000001"] {
        let (status, body) = send(list(offset)).await;
        assert_eq!(
            (status, body["errors"][0]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("offset")),
            "{body}"
        );
    }
    let (status, body) = send(list("1000000")).await;
    assert_eq!((status, body), (StatusCode::OK, json!([])));
}
