//! Town admins run consultations; citizens and other towns see only what they should.
use participation_tests::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::auth_citizen::{admin_of, town_app, verified_citizen};
use crate::people::send;

fn plan_velo() -> Value {
    json!({
        "title": "Plan vélo",
        "summary": "Où faut-il des pistes cyclables ?",
        "body": "## Le projet\n\nDonnez votre avis.<script>alert(1)</script> [lien](javascript:alert(1))",
        "kind": "questionnaire",
    })
}

#[tokio::test]
async fn an_admin_drafts_edits_publishes_closes_and_archives() {
    let (app, sink, host) = town_app().await;
    let admin = admin_of(&app, &sink, &host).await;
    let citizen = verified_citizen(&app, &sink, &host, "jeanne@example.fr").await;
    let citizen = citizen["access_token"].as_str().unwrap();

    let (status, draft) =
        send(app.post(&host, "/api/v1/consultations").bearer_auth(&admin).json(&plan_velo())).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    assert_eq!((draft["status"].as_str(), draft["phase"].as_str()), (Some("draft"), Some("draft")));
    let html = draft["body_html"].as_str().unwrap();
    assert!(
        html.contains("<h2>Le projet</h2>") && !html.contains("<script") && !html.contains("javascript:"),
        "{html}"
    );
    let id = draft["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/consultations/{id}");

    // A draft is the staff's: a citizen and the public get 404, and lists hide it.
    assert_eq!(send(app.get(&host, &path)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(send(app.get(&host, &path).bearer_auth(citizen)).await.0, StatusCode::NOT_FOUND);
    let (_, drafts) = send(app.get(&host, "/api/v1/consultations?status=draft")).await;
    assert_eq!(drafts, json!([]));
    let (_, drafts) = send(app.get(&host, "/api/v1/consultations?status=draft").bearer_auth(&admin)).await;
    assert_eq!(drafts.as_array().unwrap().len(), 1);
    // Citizens cannot create or publish.
    assert_eq!(
        send(app.post(&host, "/api/v1/consultations").bearer_auth(citizen).json(&plan_velo())).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(app.post(&host, &format!("{path}/publish")).bearer_auth(citizen)).await.0,
        StatusCode::FORBIDDEN
    );

    let mut edited = plan_velo();
    edited["title"] = json!("Plan vélo 2027");
    let (status, body) =
        send(app.request(reqwest::Method::PATCH, &host, &path).bearer_auth(&admin).json(&edited)).await;
    assert_eq!((status, body["title"].as_str()), (StatusCode::OK, Some("Plan vélo 2027")));

    let (status, published) = send(app.post(&host, &format!("{path}/publish")).bearer_auth(&admin)).await;
    assert_eq!((status, published["phase"].as_str()), (StatusCode::OK, Some("open")));
    let (status, public) = send(app.get(&host, &path)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(public.get("body_markdown").is_none(), "the source is for staff");
    let (_, open) = send(app.get(&host, "/api/v1/consultations")).await;
    assert_eq!(open[0]["id"], id.as_str());

    // Moves that make no sense are conflicts; so is editing a published one.
    assert_eq!(
        send(app.post(&host, &format!("{path}/publish")).bearer_auth(&admin)).await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        send(app.post(&host, &format!("{path}/archive")).bearer_auth(&admin)).await.0,
        StatusCode::CONFLICT
    );
    let (status, body) =
        send(app.request(reqwest::Method::PATCH, &host, &path).bearer_auth(&admin).json(&edited)).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")));
    let (status, closed) = send(app.post(&host, &format!("{path}/close")).bearer_auth(&admin)).await;
    assert_eq!((status, closed["phase"].as_str()), (StatusCode::OK, Some("closed")));
    assert_eq!(
        send(app.post(&host, &format!("{path}/publish")).bearer_auth(&admin)).await.0,
        StatusCode::CONFLICT
    );
    let (status, archived) = send(app.post(&host, &format!("{path}/archive")).bearer_auth(&admin)).await;
    assert_eq!((status, archived["status"].as_str()), (StatusCode::OK, Some("archived")));

    // Publishing recorded one event for the notifications, in the same transaction.
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let events = entity::outbox::Entity::find()
        .filter(entity::outbox::Column::Kind.eq("consultation.published"))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(events, 1);

    // Another town's host does not know this id.
    app.create_town("nogent", "28279", "active").await;
    assert_eq!(send(app.get(&TestApp::town_host("nogent"), &path)).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_consultations_name_each_field_and_store_nothing() {
    let (app, sink, host) = town_app().await;
    let admin = admin_of(&app, &sink, &host).await;
    let cases = [
        (json!({ "title": "", "kind": "questionnaire" }), "title"),
        (json!({ "title": "x".repeat(201), "kind": "questionnaire" }), "title"),
        (json!({ "title": "Ok", "kind": "poll" }), "kind"),
        (json!({ "title": "Ok", "kind": "budget" }), "budget_cents"),
        (json!({ "title": "Ok", "kind": "budget", "budget_cents": -5 }), "budget_cents"),
        (json!({ "title": "Ok", "kind": "questionnaire", "audience": "all" }), "audience"),
        (
            json!({ "title": "Ok", "kind": "questionnaire", "opens_at": "2027-01-02T00:00:00Z", "closes_at": "2027-01-01T00:00:00Z" }),
            "closes_at",
        ),
        (json!({ "title": "Ok", "kind": "questionnaire", "summary": "y".repeat(1001) }), "summary"),
    ];
    for (body, field) in cases {
        let (status, problem) =
            send(app.post(&host, "/api/v1/consultations").bearer_auth(&admin).json(&body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(problem["errors"][0]["field"], field, "{body}: {problem}");
    }
    let (status, problem) = send(
        app.post(&host, "/api/v1/consultations")
            .bearer_auth(&admin)
            .json(&json!({ "title": 5, "kind": "questionnaire" })),
    )
    .await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::BAD_REQUEST, Some("validation_failed")));
    let (status, _) = send(app.get(&host, "/api/v1/consultations?limit=1000")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "page size is bounded");
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(entity::consultation::Entity::find().count(app.db()).await.unwrap(), 0);
}

#[tokio::test]
async fn a_consultation_for_registered_people_is_hidden_from_anonymous_visitors() {
    let (app, _sink, host) = town_app().await;
    let admin = crate::people::staff(&app, &host, "admin").await;
    let citizen = crate::people::citizens(&app, &host, 1).await.remove(0);
    let body = json!({ "title": "Réservé aux inscrits", "kind": "proposals", "audience": "registered" });
    let (_, c) = send(app.post(&host, "/api/v1/consultations").bearer_auth(&admin).json(&body)).await;
    let path = format!("/api/v1/consultations/{}", c["id"].as_str().unwrap());
    let (status, _) = send(app.post(&host, &format!("{path}/publish")).bearer_auth(&admin)).await;
    assert_eq!(status, StatusCode::OK);
    let public = json!({ "title": "Pour tous", "kind": "proposals" });
    let (_, p) = send(app.post(&host, "/api/v1/consultations").bearer_auth(&admin).json(&public)).await;
    send(
        app.post(&host, &format!("/api/v1/consultations/{}/publish", p["id"].as_str().unwrap()))
            .bearer_auth(&admin),
    )
    .await;

    for sub in ["", "/proposals", "/comments"] {
        let (status, problem) = send(app.get(&host, &format!("{path}{sub}"))).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("unauthenticated")),
            "{sub}"
        );
        assert_eq!(
            send(app.get(&host, &format!("{path}{sub}")).bearer_auth(&citizen)).await.0,
            StatusCode::OK
        );
    }
    let titles = |list: Value| {
        list.as_array().unwrap().iter().map(|c| c["title"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(titles(send(app.get(&host, "/api/v1/consultations")).await.1), ["Pour tous"]);
    assert_eq!(titles(send(app.get(&host, "/api/v1/consultations").bearer_auth(&citizen)).await.1).len(), 2);
}

#[tokio::test]
async fn a_consultation_past_its_closing_time_is_listed_as_closed() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let (app, _sink, host) = town_app().await;
    let admin = crate::people::staff(&app, &host, "admin").await;
    let mut ids = Vec::new();
    for title in ["Encore ouverte", "Échue"] {
        let (_, c) = send(
            app.post(&host, "/api/v1/consultations")
                .bearer_auth(&admin)
                .json(&json!({ "title": title, "kind": "proposals" })),
        )
        .await;
        send(
            app.post(&host, &format!("/api/v1/consultations/{}/publish", c["id"].as_str().unwrap()))
                .bearer_auth(&admin),
        )
        .await;
        ids.push(uuid::Uuid::parse_str(c["id"].as_str().unwrap()).unwrap());
    }
    entity::consultation::Entity::update_many()
        .col_expr(
            entity::consultation::Column::ClosesAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(1)),
        )
        .filter(entity::consultation::Column::Id.eq(ids[1]))
        .exec(app.db())
        .await
        .unwrap();
    let titles = |list: Value| {
        list.as_array()
            .unwrap()
            .iter()
            .map(|c| (c["title"].as_str().unwrap().to_owned(), c["phase"].as_str().unwrap().to_owned()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        titles(send(app.get(&host, "/api/v1/consultations")).await.1),
        [("Encore ouverte".to_owned(), "open".to_owned())]
    );
    assert_eq!(
        titles(send(app.get(&host, "/api/v1/consultations?status=closed")).await.1),
        [("Échue".to_owned(), "closed".to_owned())]
    );
    let (status, results) = send(app.get(&host, &format!("/api/v1/consultations/{}/results", ids[1]))).await;
    assert_eq!(
        (status, results["phase"].as_str()),
        (StatusCode::OK, Some("closed")),
        "results are public once the time is up"
    );
}
