//! A town's data: exported whole, deleted whole, and never another town's.
use std::{collections::BTreeMap, io::Read};

use participation_tests::{PLATFORM_DOMAIN, TestApp};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::Value;
use uuid::Uuid;

use crate::{
    auth_citizen::{town_app, verified_citizen},
    town_lifecycle::operator_token,
};

/// Every table with a `tenant_id` column, read from the database itself, so a
/// table added later is counted without anyone remembering to.
async fn tenant_tables(app: &TestApp) -> Vec<String> {
    let db = app.db();
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => {
            "SELECT table_name AS name FROM information_schema.columns \
             WHERE column_name = 'tenant_id' AND table_schema = current_schema()"
        }
        _ => {
            "SELECT m.name AS name FROM sqlite_master m, pragma_table_info(m.name) p \
              WHERE m.type = 'table' AND p.name = 'tenant_id'"
        }
    };
    let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap();
    let mut names: Vec<String> = rows.iter().map(|r| r.try_get::<String>("", "name").unwrap()).collect();
    names.sort();
    names
}

/// Rows per table belonging to `town`, the town's own row included.
async fn rows_of(app: &TestApp, town: Uuid) -> BTreeMap<String, i64> {
    let db = app.db();
    let backend = db.get_database_backend();
    let mark = if backend == DbBackend::Postgres { "$1" } else { "?" };
    let mut counts = BTreeMap::new();
    let mut tables: Vec<(String, &str)> =
        tenant_tables(app).await.into_iter().map(|t| (t, "tenant_id")).collect();
    tables.push(("tenants".into(), "id"));
    for (table, column) in tables {
        let sql = format!("SELECT COUNT(*) AS n FROM \"{table}\" WHERE {column} = {mark}");
        let row = db
            .query_one_raw(Statement::from_sql_and_values(backend, sql, [town.into()]))
            .await
            .unwrap()
            .unwrap();
        counts.insert(table, row.try_get::<i64>("", "n").unwrap());
    }
    counts
}

async fn send(req: reqwest::RequestBuilder) -> (StatusCode, reqwest::Response) {
    let res = req.send().await.unwrap();
    (res.status(), res)
}

#[tokio::test]
async fn a_deleted_town_leaves_no_row_behind_and_its_export_holds_everything() {
    let (app, sink, host) = town_app().await;
    let operator = operator_token(&app).await;
    let hanches = rows_of(&app, Uuid::nil()).await.len();
    assert!(hanches >= 9, "tables with a tenant_id, and tenants: {hanches}");
    let town_a = crate::people::town_id(&app, &TestApp::town_host("hanches")).await;
    let town_b = app.create_town("nogent", "28279", "active").await;
    for (host, email) in
        [(host.as_str(), "jeanne@example.fr"), (&TestApp::town_host("nogent"), "paul@example.fr")]
    {
        let tokens = verified_citizen(&app, &sink, host, email).await;
        assert!(tokens["refresh_token"].is_string());
    }
    app.add_domain(town_a, "participation.hanches.fr").await;
    for (town, title) in [(town_a, "Plan vélo"), (town_b, "Budget des écoles")] {
        add_consultation(&app, town, title).await;
    }
    // Let the worker send the verification mails, so deliveries exist.
    sink.wait_for(2, std::time::Duration::from_secs(10)).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let before_a = rows_of(&app, town_a).await;
    let before_b = rows_of(&app, town_b).await;
    let (_, list) =
        send(app.get(PLATFORM_DOMAIN, "/api/v1/operator/tenants?status=active").bearer_auth(&operator)).await;
    let list: Value = list.json().await.unwrap();
    let hanches = list.as_array().unwrap().iter().find(|t| t["slug"] == "hanches").unwrap();
    assert_eq!((hanches["citizens"].as_u64(), hanches["consultations"].as_u64()), (Some(1), Some(1)));
    assert!(hanches["mails_sent_this_month"].as_u64().unwrap() >= 1, "{hanches}");
    for table in [
        "users",
        "one_time_tokens",
        "refresh_tokens",
        "outbox",
        "deliveries",
        "tenant_domains",
        "consultations",
        "tenants",
    ] {
        assert!(before_a[table] > 0, "town A has {table}: {before_a:?}");
    }

    // The export: one zip, JSON and CSV per table, no secrets.
    let (status, res) = send(
        app.get(PLATFORM_DOMAIN, &format!("/api/v1/operator/tenants/{town_a}/export")).bearer_auth(&operator),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/zip");
    let bytes = res.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut read = |name: &str| {
        let mut text = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut text).unwrap();
        text
    };
    let users: Value = serde_json::from_str(&read("users.json")).unwrap();
    assert_eq!(users.as_array().unwrap().len(), 1);
    assert_eq!(users[0]["email"], "jeanne@example.fr");
    assert!(users[0].get("password_hash").is_none(), "no password hash in an export");
    assert!(read("users.csv").starts_with("created_at,display_name,email"));
    assert!(read("deliveries.json").contains("jeanne@example.fr"));
    assert!(!read("deliveries.json").contains("paul@example.fr"), "nothing of another town");
    assert!(read("tenant.json").contains("\"hanches\""));
    assert!(read("consultations.json").contains("Plan vélo"));
    assert!(!read("consultations.json").contains("Budget des écoles"));
    assert!(read("tenant_domains.csv").contains("participation.hanches.fr"));

    // Deleting an open town is refused; suspended, it goes with all its rows.
    let delete = format!("/api/v1/operator/tenants/{town_a}");
    assert_eq!(
        send(app.request(reqwest::Method::DELETE, PLATFORM_DOMAIN, &delete).bearer_auth(&operator)).await.0,
        StatusCode::CONFLICT
    );
    let suspend = format!("/api/v1/operator/tenants/{town_a}/suspend");
    assert_eq!(send(app.post(PLATFORM_DOMAIN, &suspend).bearer_auth(&operator)).await.0, StatusCode::OK);
    assert_eq!(
        send(app.request(reqwest::Method::DELETE, PLATFORM_DOMAIN, &delete).bearer_auth(&operator)).await.0,
        StatusCode::NO_CONTENT
    );
    let after_a = rows_of(&app, town_a).await;
    assert!(after_a.values().all(|n| *n == 0), "rows left behind: {after_a:?}");
    assert_eq!(rows_of(&app, town_b).await, before_b, "the other town is untouched");
    assert_eq!(app.get(&host, "/api/v1/me").send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("participation.hanches.fr", "/healthz").send().await.unwrap().status(),
        StatusCode::OK
    );
    let (_, audit) =
        send(app.get(PLATFORM_DOMAIN, "/api/v1/operator/audit?limit=1").bearer_auth(&operator)).await;
    let audit: Value = audit.json().await.unwrap();
    assert_eq!(
        (audit[0]["action"].as_str(), audit[0]["details"]["slug"].as_str()),
        (Some("tenant.delete"), Some("hanches"))
    );
    assert_eq!(
        send(app.request(reqwest::Method::DELETE, PLATFORM_DOMAIN, &delete).bearer_auth(&operator)).await.0,
        StatusCode::NOT_FOUND
    );
}

async fn add_consultation(app: &TestApp, town: Uuid, title: &str) {
    use sea_orm::{ActiveModelTrait, Set};
    let now = chrono::Utc::now();
    entity::consultation::ActiveModel {
        id: Set(Uuid::new_v4()),
        tenant_id: Set(town),
        kind: Set("questionnaire".into()),
        status: Set("draft".into()),
        title: Set(title.into()),
        summary: Set(String::new()),
        body_markdown: Set(String::new()),
        body_html: Set(String::new()),
        audience: Set("public".into()),
        opens_at: Set(None),
        closes_at: Set(None),
        budget_cents: Set(None),
        published_at: Set(None),
        closed_at: Set(None),
        created_by: Set(None),
        categories: Set("[]".into()),
        results_markdown: Set(None),
        results_html: Set(None),
        results_published_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(app.db())
    .await
    .unwrap();
}
