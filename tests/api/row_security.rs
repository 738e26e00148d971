//! On PostgreSQL, row-level security keeps towns apart even where a query
//! forgets its tenant scope. These tests run in the PostgreSQL pass of the
//! suite (SQLite has no row-level security: the `TenantScope` is the only wall).
use actix_web::{HttpResponse, web};
use common::{Problem, TenantScope};
use participation_tests::{TestApp, spawn_app_with, test_routes};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbBackend, EntityTrait, QueryResult, Statement, TransactionTrait,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::tenant_scope::user;

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/_test/unscoped/users", web::get().to(every_user))
        .route("/api/v1/_test/unscoped/users", web::patch().to(rename_every_user))
        .route("/api/v1/_test/unscoped/users/{town}", web::post().to(add_user_to));
}

/// Deliberately unscoped: every row of `users` the connection may see.
async fn every_user(state: web::Data<common::AppState>) -> Result<HttpResponse, Problem> {
    let users = entity::user::Entity::find().all(&state.db).await?;
    Ok(HttpResponse::Ok().json(users.iter().map(|u| u.email.clone()).collect::<Vec<_>>()))
}

/// Deliberately unscoped: renames every user it can reach, in a transaction.
async fn rename_every_user(state: web::Data<common::AppState>) -> Result<HttpResponse, Problem> {
    let txn = state.db.begin().await?;
    let done = txn.execute_unprepared("UPDATE users SET display_name = 'renamed'").await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(json!({ "rows": done.rows_affected() })))
}

/// Writes a user into the town named in the path, whatever host was asked.
async fn add_user_to(state: web::Data<common::AppState>, town: web::Path<Uuid>) -> HttpResponse {
    match user(*town, "intrus@example.fr").insert(&state.db).await {
        Ok(_) => HttpResponse::Created().finish(),
        Err(e) => HttpResponse::Conflict().body(e.to_string()),
    }
}

/// The app with the unscoped test routes, or none on SQLite.
async fn spawn_on_postgres() -> Option<TestApp> {
    let app = spawn_app_with(vec![test_routes(routes)]).await;
    (app.db().get_database_backend() == DbBackend::Postgres).then_some(app)
}

async fn query(app: &TestApp, sql: &str) -> Vec<QueryResult> {
    app.db().query_all_raw(Statement::from_string(DbBackend::Postgres, sql)).await.expect(sql)
}

async fn two_towns(app: &TestApp) -> (Uuid, Uuid) {
    let a = app.create_town("ville-a", "63338", "active").await;
    let b = app.create_town("ville-b", "01001", "active").await;
    TenantScope::for_operator_action(a).insert(app.db(), user(a, "anne@ville-a.fr")).await.unwrap();
    TenantScope::for_operator_action(b).insert(app.db(), user(b, "bruno@ville-b.fr")).await.unwrap();
    (a, b)
}

async fn emails(app: &TestApp, host: &str) -> Value {
    let res = app.get(host, "/api/v1/_test/unscoped/users").send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn an_unscoped_query_on_a_towns_host_returns_nothing_of_other_towns() {
    let Some(app) = spawn_on_postgres().await else { return };
    let (a, b) = two_towns(&app).await;

    assert_eq!(emails(&app, &TestApp::town_host("ville-a")).await, json!(["anne@ville-a.fr"]));
    assert_eq!(emails(&app, &TestApp::town_host("ville-b")).await, json!(["bruno@ville-b.fr"]));
    // The platform host (operator console, signup) spans every town.
    let all = emails(&app, participation_tests::PLATFORM_DOMAIN).await;
    assert_eq!(all.as_array().map(Vec::len), Some(2), "{all}");

    // An unscoped write reaches the town's own rows only.
    let res = app
        .request(reqwest::Method::PATCH, &TestApp::town_host("ville-a"), "/api/v1/_test/unscoped/users")
        .send()
        .await
        .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap(), json!({ "rows": 1 }));
    let bruno =
        TenantScope::for_operator_action(b).find::<entity::user::Entity>().all(app.db()).await.unwrap();
    assert_eq!(bruno[0].display_name, "bruno@ville-b.fr");

    // A row claiming another town is refused, and nothing is written.
    let res = app
        .post(&TestApp::town_host("ville-a"), &format!("/api/v1/_test/unscoped/users/{b}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("row-level security"));
    let in_b =
        TenantScope::for_operator_action(b).find::<entity::user::Entity>().all(app.db()).await.unwrap();
    assert_eq!(in_b.len(), 1);
    // Its own town, the same route writes.
    let res = app
        .post(&TestApp::town_host("ville-a"), &format!("/api/v1/_test/unscoped/users/{a}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

#[tokio::test]
async fn every_table_with_a_town_column_has_forced_row_level_security() {
    let Some(app) = spawn_on_postgres().await else { return };
    let rows = query(
        &app,
        "SELECT c.table_name::text AS t FROM information_schema.columns c \
         WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' ORDER BY 1",
    )
    .await;
    let with_column: Vec<String> = rows.iter().map(|r| r.try_get("", "t").unwrap()).collect();
    assert_eq!(with_column, migration::TOWN_TABLES, "a table with tenant_id is missing from TOWN_TABLES");
    for table in migration::TOWN_TABLES.iter().chain(&["tenants"]) {
        let row = &query(
            &app,
            &format!(
                "SELECT relrowsecurity AND relforcerowsecurity AS forced, \
                 (SELECT count(*) FROM pg_policies WHERE tablename = '{table}')::int AS policies \
                 FROM pg_class WHERE oid = 'public.{table}'::regclass"
            ),
        )
        .await[0];
        assert!(row.try_get::<bool>("", "forced").unwrap(), "{table}: row-level security not forced");
        assert_eq!(row.try_get::<i32>("", "policies").unwrap(), 1, "{table}");
    }
}

#[tokio::test]
async fn the_app_connects_as_a_role_that_owns_nothing_and_cannot_bypass() {
    let Some(app) = spawn_on_postgres().await else { return };
    let row = &query(
        &app,
        "SELECT r.rolsuper AS super, r.rolbypassrls AS bypass, \
         (SELECT count(*) FROM pg_tables t WHERE t.tableowner = current_user)::int AS owned \
         FROM pg_roles r WHERE r.rolname = current_user",
    )
    .await[0];
    assert!(!row.try_get::<bool>("", "super").unwrap());
    assert!(!row.try_get::<bool>("", "bypass").unwrap());
    assert_eq!(row.try_get::<i32>("", "owned").unwrap(), 0);
    assert!(common::db::row_security_binds(app.db()).await.unwrap());
    // Nor may it lift the wall itself.
    let lifted = app.db().execute_unprepared("ALTER TABLE users DISABLE ROW LEVEL SECURITY").await;
    assert!(lifted.is_err());
}

#[tokio::test]
async fn a_response_and_its_answers_belong_to_their_parents_town() {
    let Some(app) = spawn_on_postgres().await else { return };
    let (a, b) = two_towns(&app).await;
    let owner = app.owner_db().await;
    let run = |sql: String| {
        let owner = owner.clone();
        async move { owner.execute_unprepared(&format!("SET app.all_towns = 'on'; {sql}")).await }
    };
    let (in_b, user_a, response) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    run(format!(
        "INSERT INTO consultations (id, tenant_id, kind, status, title, summary, body_markdown, body_html, \
         audience, created_at, updated_at, categories) VALUES ('{in_b}', '{b}', 'questionnaire', 'published', \
         't', 's', 'b', '<p>b</p>', 'public', now(), now(), '');
         INSERT INTO users (id, tenant_id, email, password_hash, display_name, created_at, updated_at) \
         VALUES ('{user_a}', '{a}', 'x@ville-a.fr', '-', 'x', now(), now())"
    ))
    .await
    .expect("rows of both towns");
    // Town A's response to town B's consultation: no such (consultation, town).
    let crossed = run(format!(
        "INSERT INTO responses (id, tenant_id, consultation_id, user_id, created_at) \
         VALUES ('{response}', '{a}', '{in_b}', '{user_a}', now())"
    ))
    .await;
    assert!(crossed.is_err_and(|e| e.to_string().contains("fk_responses_consultation")));
    // In its own town, it is stored; an answer claiming another town is not.
    run(format!(
        "INSERT INTO responses (id, tenant_id, consultation_id, user_id, created_at) \
         VALUES ('{response}', '{b}', '{in_b}', '{user_a}', now())"
    ))
    .await
    .expect("a response in the consultation's town");
    let crossed = run(format!(
        "INSERT INTO answers (id, tenant_id, response_id, question_id, text) \
         VALUES ('{}', '{a}', '{response}', '{}', 'x')",
        Uuid::now_v7(),
        Uuid::now_v7()
    ))
    .await;
    assert!(crossed.is_err_and(|e| e.to_string().contains("fk_answers_response")));
    // Deleting the town still takes its consultations, responses and answers away.
    run(format!("DELETE FROM tenants WHERE id = '{b}'")).await.expect("town deleted");
    let left =
        &query(&app, &format!("SELECT count(*)::int AS n FROM responses WHERE id = '{response}'")).await[0];
    assert_eq!(left.try_get::<i32>("", "n").unwrap(), 0);
}
