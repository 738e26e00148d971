//! Comments: threads one level deep, edits within the window, reports,
//! moderation with a reason in place of the text, and reply mails.
use participation_tests::TestApp;
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

use crate::{
    auth_citizen::town_app,
    people::{citizens_named, mail_arrives, send, staff},
};

async fn open_idea_box(app: &TestApp, host: &str, admin: &str) -> String {
    let body =
        json!({ "title": "Idées pour le centre", "kind": "proposals", "categories": ["Mobilité", "Écoles"] });
    let (status, c) = send(app.post(host, "/api/v1/consultations").bearer_auth(admin).json(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!(c["categories"], json!(["Mobilité", "Écoles"]));
    let id = c["id"].as_str().unwrap().to_owned();
    let (status, _) =
        send(app.post(host, &format!("/api/v1/consultations/{id}/publish")).bearer_auth(admin)).await;
    assert_eq!(status, StatusCode::OK);
    id
}

async fn comment_count(app: &TestApp) -> u64 {
    use sea_orm::PaginatorTrait;
    entity::comment::Entity::find().count(app.db()).await.unwrap()
}

#[tokio::test]
async fn threads_edits_reports_and_moderation() {
    let (app, sink, host) = town_app().await;
    let admin = staff(&app, &host, "admin").await;
    let moderator = staff(&app, &host, "moderator").await;
    let id = open_idea_box(&app, &host, &admin).await;
    let people = citizens_named(&app, &host, "voisin", 5).await;
    let (anne, bruno) = (&people[0], &people[1]);
    let thread = format!("/api/v1/consultations/{id}/comments");

    // Proposals are filed under the consultation's categories, and only those.
    let proposals = format!("/api/v1/consultations/{id}/proposals");
    let idea = json!({ "title": "Des arceaux", "body": "À la gare.", "category": "mobilité" });
    let (status, p) = send(app.post(&host, &proposals).bearer_auth(anne).json(&idea)).await;
    assert_eq!((status, p["category"].as_str()), (StatusCode::CREATED, Some("Mobilité")), "{p}");
    let stray = json!({ "title": "Un stade", "body": "Grand.", "category": "Sport" });
    let (status, err) = send(app.post(&host, &proposals).bearer_auth(anne).json(&stray)).await;
    assert_eq!((status, err["errors"][0]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("category")));
    let (_, filed) = send(app.get(&host, &format!("{proposals}?category=Écoles"))).await;
    assert_eq!(filed.as_array().map(Vec::len), Some(0));
    let proposal_id = p["id"].as_str().unwrap().to_owned();

    // A comment keeps its formatting and loses its script.
    let body = json!({ "body": "Très **bonne** idée <script>alert(1)</script> [lien](javascript:alert(1))" });
    let (status, first) = send(app.post(&host, &thread).bearer_auth(anne).json(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let html = first["body_html"].as_str().unwrap();
    assert!(
        html.contains("<strong>bonne</strong>") && !html.contains("<script") && !html.contains("javascript:"),
        "{html}"
    );
    let first_id = first["id"].as_str().unwrap().to_owned();

    // Bad input changes nothing.
    let before = comment_count(&app).await;
    for (bad, field) in [
        (json!({ "body": "" }), "body"),
        (json!({ "body": "x".repeat(5_001) }), "body"),
        (json!({ "body": "ok", "parent_id": uuid::Uuid::new_v4() }), "parent_id"),
    ] {
        let (status, err) = send(app.post(&host, &thread).bearer_auth(bruno).json(&bad)).await;
        assert_eq!(
            (status, err["errors"][0]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some(field)),
            "{err}"
        );
    }
    let (status, _) = send(app.post(&host, &thread).bearer_auth(bruno).json(&json!({ "body": 5 }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = send(app.post(&host, &thread).json(&json!({ "body": "anonyme" }))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(comment_count(&app).await, before);

    // A reply tells the parent's author; a reply to a reply is refused.
    let reply = json!({ "body": "Je suis d’accord.", "parent_id": first_id });
    let (status, second) = send(app.post(&host, &thread).bearer_auth(bruno).json(&reply)).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert!(mail_arrives(&sink, "voisin0@example.fr", "Réponse à votre commentaire").await);
    let deeper = json!({ "body": "Moi aussi.", "parent_id": second["id"] });
    let (status, _) = send(app.post(&host, &thread).bearer_auth(anne).json(&deeper)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The proposal has its own thread; a parent from the consultation's thread does not fit it.
    let on_proposal = format!("/api/v1/proposals/{proposal_id}/comments");
    let (status, _) = send(app.post(&host, &on_proposal).bearer_auth(bruno).json(&reply)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) =
        send(app.post(&host, &on_proposal).bearer_auth(bruno).json(&json!({ "body": "Où ?" }))).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, listed) = send(app.get(&host, &thread)).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["replies"][0]["body_html"], second["body_html"]);
    assert!(listed[0].get("open_reports").is_none(), "the public does not see report counts");
    let (_, listed) = send(app.get(&host, &on_proposal)).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    let (status, _) = send(app.get(&host, &format!("{thread}?limit=101"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Only the author edits, and only within the window.
    let comment = format!("/api/v1/comments/{first_id}");
    let fix = json!({ "body": "Très bonne idée." });
    assert_eq!(
        send(app.request(Method::PATCH, &host, &comment).bearer_auth(bruno).json(&fix)).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, edited) =
        send(app.request(Method::PATCH, &host, &comment).bearer_auth(anne).json(&fix)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(edited["edited_at"].is_string());
    entity::comment::Entity::update_many()
        .col_expr(
            entity::comment::Column::CreatedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(20)),
        )
        .filter(entity::comment::Column::Id.eq(uuid::Uuid::parse_str(&first_id).unwrap()))
        .exec(app.db())
        .await
        .unwrap();
    let (status, err) = send(app.request(Method::PATCH, &host, &comment).bearer_auth(anne).json(&fix)).await;
    assert_eq!((status, err["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")));

    // Reports count once per person, and land in the moderators' queue.
    let report = format!("{comment}/report");
    for who in [bruno, bruno, &people[2], &people[3]] {
        let (status, _) =
            send(app.post(&host, &report).bearer_auth(who).json(&json!({ "reason": "Hors sujet" }))).await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    let (status, _) = send(app.post(&host, &report).bearer_auth(bruno).json(&json!({ "reason": "" }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let queue = "/api/v1/admin/comments";
    assert_eq!(send(app.get(&host, queue).bearer_auth(bruno)).await.0, StatusCode::FORBIDDEN);
    let (status, queued) = send(app.get(&host, queue).bearer_auth(&moderator)).await;
    assert_eq!(status, StatusCode::OK, "{queued}");
    assert_eq!(
        (queued[0]["id"].as_str(), queued[0]["open_reports"].as_i64()),
        (Some(first_id.as_str()), Some(3))
    );
    assert_eq!(queued[0]["report_reasons"].as_array().map(Vec::len), Some(3));

    // A moderator hides it with a reason shown in its place; a citizen cannot.
    let hide = format!("{comment}/hide");
    let reason = json!({ "reason": "Propos hors charte" });
    assert_eq!(send(app.post(&host, &hide).bearer_auth(bruno).json(&reason)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        send(app.post(&host, &hide).bearer_auth(&moderator).json(&json!({ "reason": " " }))).await.0,
        StatusCode::BAD_REQUEST
    );
    let (status, hidden) = send(app.post(&host, &hide).bearer_auth(&moderator).json(&reason)).await;
    assert_eq!(status, StatusCode::OK, "{hidden}");
    let (_, listed) = send(app.get(&host, &thread)).await;
    assert_eq!(listed[0]["hidden"], json!(true));
    assert_eq!(
        (listed[0]["body_html"].clone(), listed[0]["moderation_reason"].as_str()),
        (Value::Null, Some("Propos hors charte"))
    );
    let (_, queued) = send(app.get(&host, queue).bearer_auth(&moderator)).await;
    assert_eq!(queued.as_array().map(Vec::len), Some(0), "decided comments leave the queue");
    let (_, hidden_list) =
        send(app.get(&host, &format!("{queue}?status=hidden")).bearer_auth(&moderator)).await;
    assert_eq!(hidden_list[0]["body_markdown"].as_str(), Some("Très bonne idée."));
    let audit = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("comment.hide"))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);

    // Restored, it shows again.
    let (status, _) = send(app.post(&host, &format!("{comment}/restore")).bearer_auth(&moderator)).await;
    assert_eq!(status, StatusCode::OK);
    let (_, listed) = send(app.get(&host, &thread)).await;
    assert_eq!(
        (listed[0]["hidden"].clone(), listed[0]["moderation_reason"].clone()),
        (json!(false), Value::Null)
    );
    // Reports made before the decision are settled; a new one starts afresh.
    let (status, _) = send(
        app.post(&host, &report).bearer_auth(&people[4]).json(&json!({ "reason": "Toujours choquant" })),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (_, queued) = send(app.get(&host, queue).bearer_auth(&moderator)).await;
    assert_eq!(
        (queued[0]["open_reports"].as_i64(), queued[0]["report_reasons"].clone()),
        (Some(1), json!(["Toujours choquant"]))
    );
    // A report on a hidden comment does not put it back in the queue.
    send(app.post(&host, &hide).bearer_auth(&moderator).json(&reason)).await;
    let late_reporter = citizens_named(&app, &host, "tardif", 1).await;
    send(app.post(&host, &report).bearer_auth(&late_reporter[0]).json(&json!({ "reason": "Encore" }))).await;
    let (_, queued) = send(app.get(&host, queue).bearer_auth(&moderator)).await;
    assert_eq!(queued.as_array().map(Vec::len), Some(0), "{queued}");
    send(app.post(&host, &format!("{comment}/restore")).bearer_auth(&moderator)).await;

    // Pages are bounded: an absurd offset is a 400, not a crash.
    for list in
        [thread.as_str(), "/api/v1/consultations", &format!("/api/v1/consultations/{id}/proposals"), queue]
    {
        let (status, err) =
            send(app.get(&host, &format!("{list}?offset=18446744073709551615")).bearer_auth(&moderator))
                .await;
        assert_eq!(
            (status, err["errors"][0]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("offset")),
            "{list}"
        );
    }

    // A moderator cannot publish or create consultations.
    let (status, _) =
        send(app.post(&host, &format!("/api/v1/consultations/{id}/close")).bearer_auth(&moderator)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Another town sees none of it.
    app.create_town("nogent", "28279", "active").await;
    let nogent = TestApp::town_host("nogent");
    let stranger = citizens_named(&app, &nogent, "nogent", 1).await;
    let nogent_moderator = staff(&app, &nogent, "moderator").await;
    assert_eq!(send(app.get(&nogent, &thread)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        send(app.post(&nogent, &report).bearer_auth(&stranger[0]).json(&json!({ "reason": "x" }))).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(app.post(&nogent, &hide).bearer_auth(&nogent_moderator).json(&reason)).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, _) =
        send(app.post(&nogent, &thread).bearer_auth(&stranger[0]).json(&json!({ "body": "Bonjour" }))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Closed, the thread is read-only, edits included.
    let (_, fresh) =
        send(app.post(&host, &thread).bearer_auth(anne).json(&json!({ "body": "Dernier mot" }))).await;
    let (status, _) =
        send(app.post(&host, &format!("/api/v1/consultations/{id}/close")).bearer_auth(&admin)).await;
    assert_eq!(status, StatusCode::OK);
    let fresh = format!("/api/v1/comments/{}", fresh["id"].as_str().unwrap());
    let (status, err) = send(app.request(Method::PATCH, &host, &fresh).bearer_auth(anne).json(&fix)).await;
    assert_eq!((status, err["code"].as_str()), (StatusCode::CONFLICT, Some("consultation_not_open")));
    let (status, err) =
        send(app.post(&host, &thread).bearer_auth(anne).json(&json!({ "body": "Trop tard ?" }))).await;
    assert_eq!((status, err["code"].as_str()), (StatusCode::CONFLICT, Some("consultation_not_open")));
}

#[tokio::test]
async fn drafts_have_no_public_thread() {
    let (app, _sink, host) = town_app().await;
    let admin = staff(&app, &host, "admin").await;
    let body = json!({ "title": "Brouillon", "kind": "questionnaire" });
    let (_, c) = send(app.post(&host, "/api/v1/consultations").bearer_auth(&admin).json(&body)).await;
    let thread = format!("/api/v1/consultations/{}/comments", c["id"].as_str().unwrap());
    let citizen = citizens_named(&app, &host, "curieux", 1).await;
    assert_eq!(send(app.get(&host, &thread)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        send(app.post(&host, &thread).bearer_auth(&citizen[0]).json(&json!({ "body": "Déjà ?" }))).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(send(app.get(&host, &thread).bearer_auth(&admin)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_comment_shows_its_latest_fifty_replies_and_counts_them_all() {
    let (app, _sink, host) = town_app().await;
    let admin = staff(&app, &host, "admin").await;
    let id = open_idea_box(&app, &host, &admin).await;
    let people = citizens_named(&app, &host, "bavard", 2).await;
    let thread = format!("/api/v1/consultations/{id}/comments");
    let (_, top) =
        send(app.post(&host, &thread).bearer_auth(&people[0]).json(&json!({ "body": "Sujet" }))).await;
    for i in 0..55 {
        let reply = json!({ "body": format!("Réponse {i}"), "parent_id": top["id"] });
        assert_eq!(
            send(app.post(&host, &thread).bearer_auth(&people[1]).json(&reply)).await.0,
            StatusCode::CREATED
        );
    }
    let (_, listed) = send(app.get(&host, &thread)).await;
    let replies = listed[0]["replies"].as_array().unwrap();
    assert_eq!((listed[0]["reply_count"].as_i64(), replies.len()), (Some(55), 50));
    assert!(replies[0]["body_html"].as_str().unwrap().contains("Réponse 5<"), "{}", replies[0]);
    assert!(replies[49]["body_html"].as_str().unwrap().contains("Réponse 54"), "{}", replies[49]);
}
