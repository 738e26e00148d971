//! People of a test town and a terse way to call the API as them.
use participation_tests::TestApp;
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::Value;
use uuid::Uuid;

/// Sends the request; the status and the JSON body (`Null` if none).
pub(crate) async fn send(req: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The id of the town at `host`.
pub(crate) async fn town_id(app: &TestApp, host: &str) -> Uuid {
    let slug = host.split('.').next().unwrap();
    entity::tenant::Entity::find()
        .filter(entity::tenant::Column::Slug.eq(slug))
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn person(app: &TestApp, town: Uuid, email: String, name: String) -> Uuid {
    let now = chrono::Utc::now();
    entity::user::ActiveModel {
        id: Set(Uuid::new_v4()),
        tenant_id: Set(Some(town)),
        email: Set(email),
        password_hash: Set(None),
        display_name: Set(name),
        email_verified_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(app.db())
    .await
    .unwrap()
    .id
}

/// `n` verified citizens of the town (addresses `{prefix}{i}@example.fr`),
/// with the access tokens a login would give them.
pub(crate) async fn citizens_named(app: &TestApp, host: &str, prefix: &str, n: usize) -> Vec<String> {
    let town = town_id(app, host).await;
    let mut tokens = Vec::new();
    for i in 0..n {
        let user =
            person(app, town, format!("{prefix}{i}@example.fr"), format!("Habitant {prefix}{i}")).await;
        let (token, _) = app.state.jwt.issue(user, Some(town), common::auth::Role::Citizen, None).unwrap();
        tokens.push(token);
    }
    tokens
}

/// `n` verified citizens of the town, with their access tokens.
pub(crate) async fn citizens(app: &TestApp, host: &str, n: usize) -> Vec<String> {
    citizens_named(app, host, "habitant", n).await
}

/// A verified staff member of the town with `role` (`admin` or `moderator`), and their token.
pub(crate) async fn staff(app: &TestApp, host: &str, role: &str) -> String {
    let town = town_id(app, host).await;
    let user = person(
        app,
        town,
        format!("{role}-{}@mairie.example.fr", Uuid::new_v4()),
        format!("{role} de la mairie"),
    )
    .await;
    entity::membership::ActiveModel {
        id: Set(Uuid::new_v4()),
        tenant_id: Set(town),
        user_id: Set(user),
        role: Set(role.into()),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(app.db())
    .await
    .unwrap();
    let role = if role == "admin" { common::auth::Role::Admin } else { common::auth::Role::Moderator };
    app.state.jwt.issue(user, Some(town), role, None).unwrap().0
}

/// Whether a mail to `to` with `subject` arrives within five seconds.
pub(crate) async fn mail_arrives(
    sink: &participation_tests::smtp::SmtpSink,
    to: &str,
    subject: &str,
) -> bool {
    for _ in 0..200 {
        let found = sink.received().iter().any(|m| {
            m.to.iter().any(|t| t == to)
                && mail_parser::MessageParser::default()
                    .parse(&m.data)
                    .and_then(|p| p.subject().map(str::to_owned))
                    .as_deref()
                    == Some(subject)
        });
        if found {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    false
}
