//! News for the people who asked for it: double opt-in, fan-out to exactly
//! the right people, preferences, and one-click unsubscribe.
use std::time::Duration;

use participation_tests::{TestApp, smtp::SmtpSink, spawn_app};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::{
    auth_citizen::{link_token, town_app},
    people::{citizens_named, send, staff},
};

fn subject_of(mail: &participation_tests::smtp::ReceivedMail) -> Option<String> {
    mail_parser::MessageParser::default().parse(&mail.data).and_then(|p| p.subject().map(str::to_owned))
}

/// How many mails with `subject` reached `to`.
fn count(sink: &SmtpSink, to: &str, subject: &str) -> usize {
    sink.received()
        .iter()
        .filter(|m| m.to.iter().any(|t| t == to) && subject_of(m).as_deref() == Some(subject))
        .count()
}

/// Waits until `n` mails with `subject` have arrived in all, then a little more for strays.
async fn settle(sink: &SmtpSink, subject: &str, n: usize) {
    for _ in 0..400 {
        if sink.received().iter().filter(|m| subject_of(m).as_deref() == Some(subject)).count() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
}

async fn publish(app: &TestApp, host: &str, admin: &str, title: &str) -> String {
    let body = json!({ "title": title, "summary": "Votre avis compte.", "kind": "proposals" });
    let (_, c) = send(app.post(host, "/api/v1/consultations").bearer_auth(admin).json(&body)).await;
    let id = c["id"].as_str().unwrap().to_owned();
    let (status, _) =
        send(app.post(host, &format!("/api/v1/consultations/{id}/publish")).bearer_auth(admin)).await;
    assert_eq!(status, StatusCode::OK);
    id
}

async fn subscribe_and_confirm(app: &TestApp, sink: &SmtpSink, host: &str, email: &str) {
    let (status, _) = send(app.post(host, "/api/v1/subscriptions").json(&json!({ "email": email }))).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let token = link_token(sink, email, "/subscriptions/confirm").await;
    let (status, _) =
        send(app.post(host, "/api/v1/subscriptions/confirm").json(&json!({ "token": token }))).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn double_opt_in_then_news_reaches_exactly_the_right_people() {
    let (app, sink, host) = town_app().await;
    let admin = staff(&app, &host, "admin").await;
    app.create_town("nogent", "28279", "active").await;
    let nogent = TestApp::town_host("nogent");
    let nogent_admin = staff(&app, &nogent, "admin").await;

    // Bad requests are refused and store nothing.
    for (bad, field) in [
        (json!({ "email": "pas-une-adresse" }), "email"),
        (json!({ "email": "a@b.fr", "page": "http://evil" }), "page"),
    ] {
        let (status, err) = send(app.post(&host, "/api/v1/subscriptions").json(&bad)).await;
        assert_eq!((status, err["errors"][0]["field"].as_str()), (StatusCode::BAD_REQUEST, Some(field)));
    }

    // A request sends a link and nothing else until it is followed.
    let (status, _) = send(
        app.post(&host, "/api/v1/subscriptions")
            .json(&json!({ "email": "Abonne@Example.fr", "page": "/consultations" })),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let token = link_token(&sink, "abonne@example.fr", "/subscriptions/confirm").await;
    publish(&app, &host, &admin, "Avant confirmation").await;
    settle(&sink, "Nouvelle consultation : Avant confirmation", 0).await;
    assert_eq!(count(&sink, "abonne@example.fr", "Nouvelle consultation : Avant confirmation"), 0);
    let (status, _) =
        send(app.post(&host, "/api/v1/subscriptions/confirm").json(&json!({ "token": token }))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, err) =
        send(app.post(&host, "/api/v1/subscriptions/confirm").json(&json!({ "token": token }))).await;
    assert_eq!(
        (status, err["errors"][0]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("token")),
        "a link works once"
    );
    let row = entity::subscription::Entity::find()
        .filter(entity::subscription::Column::Email.eq("abonne@example.fr"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((row.status.as_str(), row.consent_page.as_str()), ("confirmed", "/consultations"));
    assert!(row.consent_wording.contains("nouvelles consultations") && row.consent_ip.is_some());

    // Citizens: one wants news at once, one keeps the weekly default, one is also a subscriber.
    let people = citizens_named(&app, &host, "voisin", 3).await;
    for who in [&people[0], &people[2]] {
        let (status, prefs) = send(
            app.request(Method::PUT, &host, "/api/v1/me/notifications")
                .bearer_auth(who)
                .json(&json!({ "new_consultations": "immediate" })),
        )
        .await;
        assert_eq!((status, prefs["new_consultations"].as_str()), (StatusCode::OK, Some("immediate")));
    }
    subscribe_and_confirm(&app, &sink, &host, "voisin2@example.fr").await;
    subscribe_and_confirm(&app, &sink, &nogent, "ailleurs@example.fr").await;

    publish(&app, &host, &admin, "Le marché").await;
    let subject = "Nouvelle consultation : Le marché";
    settle(&sink, subject, 3).await;
    let got: Vec<usize> = [
        "abonne@example.fr",
        "voisin0@example.fr",
        "voisin1@example.fr",
        "voisin2@example.fr",
        "ailleurs@example.fr",
    ]
    .iter()
    .map(|to| count(&sink, to, subject))
    .collect();
    assert_eq!(
        got,
        [1, 1, 0, 1, 0],
        "subscriber, immediate citizen, weekly citizen, both at once, the other town's subscriber"
    );

    publish(&app, &nogent, &nogent_admin, "Chez le voisin").await;
    settle(&sink, "Nouvelle consultation : Chez le voisin", 1).await;
    assert_eq!(count(&sink, "ailleurs@example.fr", "Nouvelle consultation : Chez le voisin"), 1);
    assert_eq!(count(&sink, "abonne@example.fr", "Nouvelle consultation : Chez le voisin"), 0);
}

#[tokio::test]
async fn preferences_are_checked_and_honoured() {
    let (app, sink, host) = town_app().await;
    let admin = staff(&app, &host, "admin").await;
    let people = citizens_named(&app, &host, "parole", 2).await;
    assert_eq!(send(app.get(&host, "/api/v1/me/notifications")).await.0, StatusCode::UNAUTHORIZED);
    let (_, prefs) = send(app.get(&host, "/api/v1/me/notifications").bearer_auth(&people[0])).await;
    assert_eq!(
        prefs,
        json!({ "new_consultations": "weekly", "results": "immediate", "replies": "immediate", "proposal_answers": "immediate", "language": "fr" })
    );
    let bad = json!({ "results": "parfois", "replies": 3, "new_consultations": "off" });
    let (status, err) =
        send(app.request(Method::PUT, &host, "/api/v1/me/notifications").bearer_auth(&people[0]).json(&bad))
            .await;
    let fields: Vec<&str> =
        err["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!((status, fields), (StatusCode::BAD_REQUEST, vec!["results", "replies"]));
    let (_, unchanged) = send(app.get(&host, "/api/v1/me/notifications").bearer_auth(&people[0])).await;
    assert_eq!(unchanged, prefs, "nothing stored");
    let (_, quiet) = send(
        app.request(Method::PUT, &host, "/api/v1/me/notifications")
            .bearer_auth(&people[0])
            .json(&json!({ "digest": "off", "results": "immediate" })),
    )
    .await;
    assert_eq!(
        quiet,
        json!({ "new_consultations": "off", "results": "immediate", "replies": "off", "proposal_answers": "off", "language": "fr" })
    );

    // Replies off: the reply sends nothing; back on, it does.
    let id = publish(&app, &host, &admin, "Idées").await;
    let thread = format!("/api/v1/consultations/{id}/comments");
    let (_, top) =
        send(app.post(&host, &thread).bearer_auth(&people[0]).json(&json!({ "body": "Mon idée" }))).await;
    let reply = json!({ "body": "Bonne idée", "parent_id": top["id"] });
    assert_eq!(
        send(app.post(&host, &thread).bearer_auth(&people[1]).json(&reply)).await.0,
        StatusCode::CREATED
    );
    let subject = "Réponse à votre commentaire";
    settle(&sink, subject, 0).await;
    assert_eq!(count(&sink, "parole0@example.fr", subject), 0);
    send(
        app.request(Method::PUT, &host, "/api/v1/me/notifications")
            .bearer_auth(&people[0])
            .json(&json!({ "replies": "immediate" })),
    )
    .await;
    assert_eq!(
        send(app.post(&host, &thread).bearer_auth(&people[1]).json(&reply)).await.0,
        StatusCode::CREATED
    );
    settle(&sink, subject, 1).await;
    assert_eq!(count(&sink, "parole0@example.fr", subject), 1);
}

/// The unsubscribe URL of the latest mail to `to`, read from its raw headers.
fn unsubscribe_path(sink: &SmtpSink, to: &str) -> String {
    let mail = sink.received().into_iter().rev().find(|m| m.to.iter().any(|t| t == to)).expect("a mail");
    let raw = String::from_utf8_lossy(&mail.data).replace("\r\n ", " ");
    let header = raw
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("list-unsubscribe:"))
        .expect("List-Unsubscribe");
    assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"), "{raw}");
    let url = header.split('<').nth(1).and_then(|s| s.split('>').next()).expect("a URL");
    format!("/{}", url.splitn(4, '/').nth(3).unwrap())
}

#[tokio::test]
async fn one_click_unsubscribe_from_the_raw_headers() {
    let (app, sink, host) = town_app().await;
    let admin = staff(&app, &host, "admin").await;
    subscribe_and_confirm(&app, &sink, &host, "abonne@example.fr").await;
    publish(&app, &host, &admin, "Premier").await;
    settle(&sink, "Nouvelle consultation : Premier", 1).await;
    let path = unsubscribe_path(&sink, "abonne@example.fr");
    assert!(path.starts_with("/unsubscribe/"), "{path}");

    // Opening the link (as a mail scanner would) changes nothing.
    let page = app.get(&host, &path).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Ne plus recevoir ces messages"));
    let status_of = || async {
        entity::subscription::Entity::find()
            .filter(entity::subscription::Column::Email.eq("abonne@example.fr"))
            .one(app.db())
            .await
            .unwrap()
            .unwrap()
            .status
    };
    assert_eq!(status_of().await, "confirmed");

    // Elsewhere, or forged, the link is unknown.
    app.create_town("nogent", "28279", "active").await;
    assert_eq!(
        app.get(&TestApp::town_host("nogent"), &path).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let forged = format!("{}x", path);
    assert_eq!(app.get(&host, &forged).send().await.unwrap().status(), StatusCode::NOT_FOUND);

    // One click, as RFC 8058 has it: a POST with no cookie and no login.
    let res = app
        .request(Method::POST, &host, &path)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(status_of().await, "confirmed", "only that kind of mail stops");
    publish(&app, &host, &admin, "Second").await;
    settle(&sink, "Nouvelle consultation : Second", 0).await;
    assert_eq!(count(&sink, "abonne@example.fr", "Nouvelle consultation : Second"), 0);

    // "Everything from this town" is one click too.
    let res = app
        .request(Method::POST, &host, &path)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("scope=all")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(status_of().await, "unsubscribed");
    let all = entity::mail_suppression::Entity::find()
        .filter(entity::mail_suppression::Column::Email.eq("abonne@example.fr"))
        .filter(entity::mail_suppression::Column::Topic.eq("all"))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
}

#[tokio::test]
async fn an_address_unsubscribed_during_a_fan_out_gets_nothing_more_from_it() {
    let (app, sink, worker, host, admin) = stepped_town().await;
    for email in ["reste@example.fr", "part@example.fr"] {
        send(app.post(&host, "/api/v1/subscriptions").json(&json!({ "email": email }))).await;
    }
    // Confirmed by the rows' own tokens is another test's business: confirm directly.
    entity::subscription::Entity::update_many()
        .col_expr(entity::subscription::Column::Status, sea_orm::sea_query::Expr::value("confirmed"))
        .exec(app.db())
        .await
        .unwrap();
    publish(&app, &host, &admin, "Pendant l’envoi").await;
    // Expanded: the deliveries exist, nothing is sent yet.
    let event = entity::outbox::Entity::find()
        .filter(entity::outbox::Column::Kind.eq("consultation.published"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    notifications::expand::expand_event(&worker, event.id).await.unwrap();
    let made = entity::delivery::Entity::find()
        .filter(entity::delivery::Column::Recipient.is_in(["reste@example.fr", "part@example.fr"]))
        .all(app.db())
        .await
        .unwrap();
    assert!(made.len() == 2 && made.iter().all(|d| d.status == "queued"), "{made:?}");
    let town = crate::people::town_id(&app, &host).await;
    let token = notifications::unsubscribe::UnsubscribeToken {
        tenant_id: town,
        email: "part@example.fr".into(),
        topic: "new_consultations".into(),
    }
    .sign(&app.state.signing_key);
    let res = app
        .request(Method::POST, &host, &format!("/unsubscribe/{token}"))
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    crate::mail::drain(&worker).await;
    let statuses: Vec<(String, String)> = entity::delivery::Entity::find()
        .filter(entity::delivery::Column::EventId.eq(event.id))
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.recipient, d.status))
        .collect::<std::collections::BTreeMap<_, _>>()
        .into_iter()
        .collect();
    assert_eq!(
        statuses,
        [
            ("part@example.fr".to_owned(), "unsubscribed".to_owned()),
            ("reste@example.fr".to_owned(), "sent".to_owned())
        ]
    );
    assert_eq!(count(&sink, "part@example.fr", "Nouvelle consultation : Pendant l’envoi"), 0);
    assert_eq!(count(&sink, "reste@example.fr", "Nouvelle consultation : Pendant l’envoi"), 1);
}

#[tokio::test]
async fn announcements_preview_test_send_fan_out_and_daily_limit() {
    let (app, sink, host) = town_app().await;
    let admin = staff(&app, &host, "admin").await;
    let moderator = staff(&app, &host, "moderator").await;
    let people = citizens_named(&app, &host, "lecteur", 2).await;
    subscribe_and_confirm(&app, &sink, &host, "abonne@example.fr").await;
    subscribe_and_confirm(&app, &sink, &host, "muet@example.fr").await;
    let town = crate::people::town_id(&app, &host).await;
    let token = notifications::unsubscribe::UnsubscribeToken {
        tenant_id: town,
        email: "muet@example.fr".into(),
        topic: "announcements".into(),
    }
    .sign(&app.state.signing_key);
    app.request(Method::POST, &host, &format!("/unsubscribe/{token}"))
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();

    let note = json!({ "subject": "Travaux rue de la Gare", "body": "La rue sera **fermée** lundi.\n\nMerci de votre patience. <script>x()</script>" });
    for bad in [
        json!({ "subject": "", "body": "x" }),
        json!({ "subject": "Sujet", "body": "" }),
        json!({ "subject": "a\nb", "body": "x" }),
    ] {
        assert_eq!(
            send(app.post(&host, "/api/v1/admin/announcements").bearer_auth(&admin).json(&bad)).await.0,
            StatusCode::BAD_REQUEST
        );
    }
    assert_eq!(
        send(app.post(&host, "/api/v1/admin/announcements").bearer_auth(&moderator).json(&note)).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(app.post(&host, "/api/v1/admin/announcements").bearer_auth(&people[0]).json(&note)).await.0,
        StatusCode::FORBIDDEN
    );

    let (status, shown) =
        send(app.post(&host, "/api/v1/admin/announcements/preview").bearer_auth(&admin).json(&note)).await;
    assert_eq!(status, StatusCode::OK);
    let html = shown["html"].as_str().unwrap();
    assert!(html.contains("<strong>fermée</strong>") && !html.contains("<script"), "{html}");
    assert!(shown["text"].as_str().unwrap().contains("Merci"));

    // A test goes to the admin alone and does not count.
    let test =
        json!({ "subject": "Travaux rue de la Gare", "body": "La rue sera fermée lundi.", "test": true });
    for _ in 0..4 {
        assert_eq!(
            send(app.post(&host, "/api/v1/admin/announcements").bearer_auth(&admin).json(&test)).await.0,
            StatusCode::ACCEPTED
        );
    }
    let subject = "Travaux rue de la Gare";
    settle(&sink, subject, 4).await;
    assert_eq!(
        sink.received().iter().filter(|m| subject_of(m).as_deref() == Some(subject)).count(),
        4,
        "tests reach the admin only"
    );

    // The real thing reaches subscribers and citizens, not those who opted out.
    let before = sink.received().iter().filter(|m| subject_of(m).as_deref() == Some(subject)).count();
    assert_eq!(
        send(app.post(&host, "/api/v1/admin/announcements").bearer_auth(&admin).json(&note)).await.0,
        StatusCode::ACCEPTED
    );
    settle(&sink, subject, before + 3).await;
    for (to, n) in [
        ("abonne@example.fr", 1),
        ("lecteur0@example.fr", 1),
        ("lecteur1@example.fr", 1),
        ("muet@example.fr", 0),
    ] {
        assert_eq!(count(&sink, to, subject), n, "{to}");
    }
    // Three a day by default: the fourth is refused.
    for _ in 0..2 {
        assert_eq!(
            send(app.post(&host, "/api/v1/admin/announcements").bearer_auth(&admin).json(&note)).await.0,
            StatusCode::ACCEPTED
        );
    }
    let (status, err) =
        send(app.post(&host, "/api/v1/admin/announcements").bearer_auth(&admin).json(&note)).await;
    assert_eq!((status, err["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")));
}

/// A town on an app whose mail worker the test drives step by step, and its admin.
async fn stepped_town() -> (TestApp, SmtpSink, notifications::worker::Worker, String, String) {
    let app = spawn_app().await;
    let sink = SmtpSink::start().await;
    let queue = std::sync::Arc::new(notifications::queue::MemoryQueue::new());
    let worker = crate::mail::worker(&app, &sink, queue);
    app.create_town("hanches", "28191", "active").await;
    let host = TestApp::town_host("hanches");
    let admin = staff(&app, &host, "admin").await;
    (app, sink, worker, host, admin)
}

/// `n` confirmed subscribers `{prefix}{i}@example.fr` of the town, inserted directly.
async fn subscribers(app: &TestApp, host: &str, prefix: &str, n: usize) {
    use sea_orm::ActiveModelTrait;
    let town = crate::people::town_id(app, host).await;
    for i in 0..n {
        participation_tests::bench::confirmed_subscription(town, &format!("{prefix}{i}@example.fr"))
            .insert(app.db())
            .await
            .unwrap();
    }
}

/// Waits until every weekly digest recorded so far has been turned into
/// deliveries (none if it went out before anyone subscribed) and each has
/// been written or found empty.
async fn digests_settled(app: &TestApp) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    for _ in 0..400 {
        let digests = entity::outbox::Entity::find()
            .filter(entity::outbox::Column::Kind.eq("digest.weekly"))
            .all(app.db())
            .await
            .unwrap();
        let mut settled = true;
        for d in digests {
            let made = entity::delivery::Entity::find()
                .filter(entity::delivery::Column::EventId.eq(d.id))
                .all(app.db())
                .await
                .unwrap();
            settled &= d.processed_at.is_some() && made.iter().all(|m| m.status != "queued");
        }
        if settled {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("a weekly digest still unwritten");
}

#[tokio::test]
async fn the_monthly_quota_holds_news_back_and_the_delivery_log_says_so() {
    let (app, sink, host) = town_app().await;
    // On a Monday morning the running worker may have recorded the town's
    // weekly digest already: with nothing new it sends nothing and spends
    // none of the quota. Later ticks find the town where it is not Monday
    // morning (22 hours apart, one of the two never is).
    let now = chrono::Utc::now();
    let zone = ["Pacific/Tahiti", "Pacific/Wallis"]
        .into_iter()
        .find(|z| {
            [0, 5]
                .iter()
                .all(|m| notifications::digest::due(z, now + chrono::Duration::minutes(*m)).is_none())
        })
        .unwrap();
    {
        use sea_orm::ConnectionTrait;
        let town = crate::people::town_id(&app, &host).await;
        let set = format!("UPDATE tenants SET time_zone = '{zone}' WHERE id = '{town}'");
        app.db().execute_unprepared(&set).await.unwrap();
    }
    let admin = staff(&app, &host, "admin").await;
    subscribers(&app, &host, "lecteur", 5).await;
    let ops = crate::town_lifecycle::operator_token(&app).await;
    let town = crate::people::town_id(&app, &host).await;
    let quota = format!("/api/v1/operator/tenants/{town}/mail-quota");
    let platform = participation_tests::PLATFORM_DOMAIN;
    for bad in [json!({ "monthly_mails": -1 }), json!({ "monthly_mails": "3" }), json!({})] {
        assert_eq!(
            send(app.request(Method::PUT, platform, &quota).bearer_auth(&ops).json(&bad)).await.0,
            StatusCode::BAD_REQUEST
        );
    }
    assert_eq!(
        send(
            app.request(Method::PUT, platform, &quota)
                .bearer_auth(&admin)
                .json(&json!({ "monthly_mails": 3 }))
        )
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );
    let (status, set) = send(
        app.request(Method::PUT, platform, &quota).bearer_auth(&ops).json(&json!({ "monthly_mails": 3 })),
    )
    .await;
    assert_eq!((status, set["monthly_mail_quota"].as_i64()), (StatusCode::OK, Some(3)));

    digests_settled(&app).await;
    publish(&app, &host, &admin, "Sous quota").await;
    settle(&sink, "Nouvelle consultation : Sous quota", 3).await;
    let got = sink
        .received()
        .iter()
        .filter(|m| subject_of(m).as_deref() == Some("Nouvelle consultation : Sous quota"))
        .count();
    assert_eq!(got, 3, "three of five, the quota");

    let (status, log) = send(app.get(&host, "/api/v1/admin/deliveries").bearer_auth(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{log}");
    assert_eq!((log["month"]["made"].as_i64(), log["month"]["quota"].as_i64()), (Some(3), Some(3)));
    assert_eq!(log["last_30_days"]["by_status"]["over_quota"], 2);
    assert_eq!(log["last_30_days"]["by_status"]["sent"], 3);
    assert_eq!(log["events"][0]["subject"], "Nouvelle consultation : Sous quota");
    assert_eq!(log["events"][0]["deliveries"]["over_quota"], 2);
    let (_, held) =
        send(app.get(&host, "/api/v1/admin/deliveries?status=over_quota").bearer_auth(&admin)).await;
    assert_eq!(held["deliveries"].as_array().map(Vec::len), Some(2));
    for bad in ["status=lost", "limit=0", "offset=99999999999"] {
        assert_eq!(
            send(app.get(&host, &format!("/api/v1/admin/deliveries?{bad}")).bearer_auth(&admin)).await.0,
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    let moderator = staff(&app, &host, "moderator").await;
    assert_eq!(
        send(app.get(&host, "/api/v1/admin/deliveries").bearer_auth(&moderator)).await.0,
        StatusCode::FORBIDDEN
    );

    // Account mail is never held back by the quota.
    let (status, _) =
        send(app.post(&host, "/api/v1/subscriptions").json(&json!({ "email": "nouveau@example.fr" }))).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    link_token(&sink, "nouveau@example.fr", "/subscriptions/confirm").await;
    // The operator sees the ceiling.
    let (_, towns) =
        send(app.get(platform, "/api/v1/operator/tenants?status=active").bearer_auth(&ops)).await;
    let ours = towns.as_array().unwrap().iter().find(|t| t["id"] == json!(town)).unwrap();
    assert_eq!(ours["monthly_mail_quota"], 3);
}

#[tokio::test]
async fn three_days_before_closing_those_who_have_not_taken_part_are_reminded_once() {
    let (app, sink, worker, host, admin) = stepped_town().await;
    subscribers(&app, &host, "abonne", 1).await;
    let people = citizens_named(&app, &host, "habitant", 3).await;
    for who in &people[..2] {
        send(
            app.request(Method::PUT, &host, "/api/v1/me/notifications")
                .bearer_auth(who)
                .json(&json!({ "new_consultations": "immediate" })),
        )
        .await;
    }
    let now = chrono::Utc::now();
    let mut ids = Vec::new();
    for (title, days) in [("Bientôt finie", 2), ("Encore longtemps", 5)] {
        let body =
            json!({ "title": title, "kind": "proposals", "closes_at": now + chrono::Duration::days(days) });
        let (_, c) = send(app.post(&host, "/api/v1/consultations").bearer_auth(&admin).json(&body)).await;
        let id = c["id"].as_str().unwrap().to_owned();
        send(app.post(&host, &format!("/api/v1/consultations/{id}/publish")).bearer_auth(&admin)).await;
        ids.push(id);
    }
    // One citizen has taken part already.
    let idea = json!({ "title": "Un banc", "body": "Place de l’église." });
    assert_eq!(
        send(
            app.post(&host, &format!("/api/v1/consultations/{}/proposals", ids[0]))
                .bearer_auth(&people[0])
                .json(&idea)
        )
        .await
        .0,
        StatusCode::CREATED
    );

    assert_eq!(notifications::reminders::remind_closing(&worker, now).await.unwrap(), 1);
    assert_eq!(notifications::reminders::remind_closing(&worker, now).await.unwrap(), 0, "once only");
    crate::mail::drain(&worker).await;
    let subject = "Plus que quelques jours : Bientôt finie";
    let got: Vec<usize> =
        ["abonne0@example.fr", "habitant0@example.fr", "habitant1@example.fr", "habitant2@example.fr"]
            .iter()
            .map(|to| count(&sink, to, subject))
            .collect();
    assert_eq!(got, [1, 0, 1, 0], "subscriber, took part, wants news, weekly default");
    assert!(
        sink.received()
            .iter()
            .all(|m| subject_of(m).as_deref() != Some("Plus que quelques jours : Encore longtemps"))
    );
}

#[tokio::test]
async fn the_weekly_digest_gathers_each_readers_week_once() {
    let (app, sink, worker, host, admin) = stepped_town().await;
    subscribers(&app, &host, "abonne", 1).await;
    // hebdo0: the defaults; hebdo1: everything weekly; hebdo2: everything at once; hebdo3: results only, weekly.
    let people = citizens_named(&app, &host, "hebdo", 4).await;
    let put = |who: &String, prefs: serde_json::Value| {
        let req =
            app.request(Method::PUT, &host, "/api/v1/me/notifications").bearer_auth(who.clone()).json(&prefs);
        async move { assert_eq!(send(req).await.0, StatusCode::OK) }
    };
    put(&people[0], json!({ "language": "en" })).await;
    put(&people[1], json!({ "digest": "weekly" })).await;
    put(&people[2], json!({ "digest": "immediate" })).await;
    put(&people[3], json!({ "digest": "off", "results": "weekly" })).await;

    // The week: a consultation opens, hebdo1 proposes and comments, is answered and replied to, results come out.
    let id = publish(&app, &host, &admin, "Le jardin").await;
    let c = format!("/api/v1/consultations/{id}");
    let (_, idea) = send(
        app.post(&host, &format!("{c}/proposals"))
            .bearer_auth(&people[1])
            .json(&json!({ "title": "Des bancs", "body": "À l’ombre." })),
    )
    .await;
    let answer = json!({ "status": "accepted", "answer": "Posés en mai." });
    assert_eq!(
        send(
            app.post(&host, &format!("/api/v1/proposals/{}/answer", idea["id"].as_str().unwrap()))
                .bearer_auth(&admin)
                .json(&answer)
        )
        .await
        .0,
        StatusCode::OK
    );
    let (_, top) = send(
        app.post(&host, &format!("{c}/comments"))
            .bearer_auth(&people[1])
            .json(&json!({ "body": "Et de l’eau ?" })),
    )
    .await;
    send(
        app.post(&host, &format!("{c}/comments"))
            .bearer_auth(&people[2])
            .json(&json!({ "body": "Oui !", "parent_id": top["id"] })),
    )
    .await;
    send(app.post(&host, &format!("{c}/close")).bearer_auth(&admin)).await;
    assert_eq!(
        send(app.post(&host, &format!("{c}/results")).bearer_auth(&admin).json(&json!({ "body": "Merci." })))
            .await
            .0,
        StatusCode::OK
    );
    crate::mail::drain(&worker).await;

    // A Monday after 08:00 in Paris whose digest covers this week.
    let now = chrono::Utc::now();
    let monday = (0..15)
        .map(|d| (now.date_naive() + chrono::Duration::days(d)).and_hms_opt(12, 0, 0).unwrap().and_utc())
        .find(|t| {
            notifications::digest::due("Europe/Paris", *t).is_some_and(|(_, w)| w.from <= now && now < w.to)
        })
        .unwrap();
    assert_eq!(notifications::digest::schedule(&worker, monday).await.unwrap(), 1);
    assert_eq!(
        notifications::digest::schedule(&worker, monday).await.unwrap(),
        0,
        "a repeated run records nothing"
    );
    crate::mail::drain(&worker).await;

    let subject = "Cette semaine à Hanches";
    let got: Vec<usize> = ["hebdo0", "hebdo1", "hebdo2", "hebdo3", "abonne0"]
        .iter()
        .map(|p| {
            let to = format!("{p}@example.fr");
            count(&sink, &to, subject) + count(&sink, &to, "This week in Hanches")
        })
        .collect();
    assert_eq!(count(&sink, "hebdo0@example.fr", "This week in Hanches"), 1, "in the reader's language");
    assert_eq!(
        got,
        [1, 1, 0, 0, 0],
        "defaults, all weekly, all immediate, weekly results without any, subscriber"
    );
    let body_of = |to: &str| {
        let mail = sink
            .received()
            .into_iter()
            .find(|m| m.to == [to] && subject_of(m).as_deref() == Some(subject))
            .unwrap();
        mail_parser::MessageParser::default().parse(&mail.data).unwrap().body_text(0).unwrap().into_owned()
    };
    let full = body_of("hebdo1@example.fr");
    for part in [
        "Nouvelles consultations",
        "Le jardin",
        "Résultats",
        "1 réponse(s) à vos commentaires",
        "« Des bancs » : Posés en mai.",
    ] {
        assert!(full.contains(part), "{part} missing from {full}");
    }
    let light = {
        let mail = sink.received().into_iter().find(|m| m.to == ["hebdo0@example.fr"]).unwrap();
        mail_parser::MessageParser::default().parse(&mail.data).unwrap().body_text(0).unwrap().into_owned()
    };
    assert!(
        light.contains("New consultations") && light.contains("Le jardin") && !light.contains("Results"),
        "{light}"
    );
    let nothing = entity::delivery::Entity::find()
        .filter(entity::delivery::Column::Recipient.eq("hebdo3@example.fr"))
        .filter(entity::delivery::Column::Status.eq("nothing_new"))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(nothing.len(), 1, "a reader with nothing new gets no mail");
}

#[tokio::test]
async fn mails_wear_the_towns_look_and_speak_each_readers_language() {
    let (app, sink, host) = town_app().await;
    let admin = staff(&app, &host, "admin").await;
    let bad = json!({ "logo_url": "http://hanches.fr/logo.png", "color": "red" });
    let (status, err) =
        send(app.request(Method::PUT, &host, "/api/v1/admin/branding").bearer_auth(&admin).json(&bad)).await;
    let fields: Vec<&str> =
        err["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!((status, fields), (StatusCode::BAD_REQUEST, vec!["logo_url", "color"]));
    let look = json!({ "logo_url": "https://hanches.fr/logo.png", "color": "#0A7A3B" });
    let (status, set) =
        send(app.request(Method::PUT, &host, "/api/v1/admin/branding").bearer_auth(&admin).json(&look)).await;
    assert_eq!((status, set["color"].as_str()), (StatusCode::OK, Some("#0a7a3b")));

    let people = citizens_named(&app, &host, "lectrice", 2).await;
    let (_, prefs) = send(
        app.request(Method::PUT, &host, "/api/v1/me/notifications")
            .bearer_auth(&people[0])
            .json(&json!({ "new_consultations": "immediate", "language": "en" })),
    )
    .await;
    assert_eq!(prefs["language"], "en");
    let (status, _) = send(
        app.request(Method::PUT, &host, "/api/v1/me/notifications")
            .bearer_auth(&people[1])
            .json(&json!({ "language": "de" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    send(
        app.request(Method::PUT, &host, "/api/v1/me/notifications")
            .bearer_auth(&people[1])
            .json(&json!({ "new_consultations": "immediate" })),
    )
    .await;
    // A subscriber whose browser speaks English.
    let (status, _) = send(
        app.post(&host, "/api/v1/subscriptions")
            .header("Accept-Language", "en-GB,en;q=0.8")
            .json(&json!({ "email": "reader@example.org" })),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let token = link_token(&sink, "reader@example.org", "/subscriptions/confirm").await;
    send(app.post(&host, "/api/v1/subscriptions/confirm").json(&json!({ "token": token }))).await;

    publish(&app, &host, &admin, "Le lavoir").await;
    let subject = "Nouvelle consultation : Le lavoir";
    settle(&sink, subject, 3).await;
    let html_of = |to: &str| {
        let mail = sink
            .received()
            .into_iter()
            .find(|m| m.to == [to] && subject_of(m).as_deref() == Some(subject))
            .expect(to);
        mail_parser::MessageParser::default().parse(&mail.data).unwrap().body_html(0).unwrap().into_owned()
    };
    for (to, english) in
        [("lectrice0@example.fr", true), ("lectrice1@example.fr", false), ("reader@example.org", true)]
    {
        let html = html_of(to);
        assert!(
            html.contains("src=\"https://hanches.fr/logo.png\"") && html.contains("#0a7a3b"),
            "{to}: {html}"
        );
        assert_eq!(html.contains(">Unsubscribe<"), english, "{to}: {html}");
        assert_eq!(html.contains(">Se désabonner<"), !english, "{to}: {html}");
    }
}

#[tokio::test]
async fn unconfirmed_requests_are_forgotten_once_their_link_expires() {
    let (app, sink, host) = town_app().await;
    for email in ["tard@example.fr", "vite@example.fr"] {
        send(app.post(&host, "/api/v1/subscriptions").json(&json!({ "email": email }))).await;
    }
    let token = link_token(&sink, "vite@example.fr", "/subscriptions/confirm").await;
    send(app.post(&host, "/api/v1/subscriptions/confirm").json(&json!({ "token": token }))).await;
    let later = chrono::Utc::now() + chrono::Duration::hours(49);
    assert_eq!(notifications::store::subscriptions::forget_unconfirmed(app.db(), later).await.unwrap(), 1);
    let left: Vec<String> = entity::subscription::Entity::find()
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.email)
        .collect();
    assert_eq!(left, ["vite@example.fr"]);
}
