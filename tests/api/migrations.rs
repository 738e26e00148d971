//! The schema applies on both backends, twice without harm.
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, SqlErr, Statement};
use uuid::Uuid;

use crate::support::spawn;

const TABLES: &[&str] =
    &["communes", "tenants", "tenant_domains", "users", "memberships", "outbox", "audit_log"];

#[tokio::test]
async fn the_initial_schema_and_commune_list_are_in_place() {
    let app = spawn().await;
    let db = app.db();
    for table in TABLES {
        let sql = format!("SELECT COUNT(*) AS n FROM {table}");
        let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await;
        assert!(row.is_ok(), "table {table} is missing: {row:?}");
    }
    assert_eq!(entity::commune::Entity::find().count(db).await.unwrap(), 34_969);
    let ajaccio = entity::commune::Entity::find_by_id("2A004".to_owned()).one(db).await.unwrap().unwrap();
    assert_eq!(ajaccio.name, "Ajaccio");
    assert_eq!(ajaccio.search_name, "ajaccio");
}

#[tokio::test]
async fn migrating_again_changes_nothing() {
    let app = spawn().await;
    let db = app.db();
    let applied = Migrator::get_applied_migrations_read_only(db).await.unwrap().len();
    assert_eq!(applied, Migrator::migrations().len());
    common::db::migrate(db).await.unwrap();
    common::db::migrate(db).await.unwrap();
    assert_eq!(Migrator::get_applied_migrations_read_only(db).await.unwrap().len(), applied);
    assert!(Migrator::get_pending_migrations_read_only(db).await.unwrap().is_empty());
    assert_eq!(entity::commune::Entity::find().count(db).await.unwrap(), 34_969);
}

/// SQLite: write-ahead log on. PostgreSQL: the partial unique index on operators is real.
#[tokio::test]
async fn the_database_is_set_up_for_its_backend() {
    let app = spawn().await;
    let db = app.db();
    let (sql, expected) = match db.get_database_backend() {
        DbBackend::Sqlite => ("PRAGMA journal_mode", "wal"),
        _ => (
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'uq_users_operator_email'",
            "CREATE UNIQUE INDEX uq_users_operator_email ON public.users USING btree (email) WHERE (tenant_id IS NULL)",
        ),
    };
    let row =
        db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
    let value: String = row.try_get_by_index(0).unwrap();
    assert_eq!(value, expected);
}

#[tokio::test]
async fn one_account_per_email_per_town_and_per_operator() {
    let app = spawn().await;
    let a = app.create_town("ville-a", "63338", "active").await;
    let b = app.create_town("ville-b", "01001", "active").await;
    let insert = |tenant: Option<Uuid>| {
        let now = chrono::Utc::now();
        sea_orm::ActiveModelTrait::insert(
            entity::user::ActiveModel {
                id: sea_orm::Set(Uuid::new_v4()),
                tenant_id: sea_orm::Set(tenant),
                email: sea_orm::Set("marie@example.fr".into()),
                password_hash: sea_orm::Set(None),
                display_name: sea_orm::Set("Marie".into()),
                email_verified_at: sea_orm::Set(None),
                created_at: sea_orm::Set(now),
                updated_at: sea_orm::Set(now),
            },
            app.db(),
        )
    };
    insert(Some(a)).await.unwrap();
    insert(Some(b)).await.unwrap();
    insert(None).await.unwrap();
    for tenant in [Some(a), None] {
        let err = insert(tenant).await.unwrap_err();
        assert!(matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))), "{err:?}");
    }
}

#[tokio::test]
async fn every_migration_can_be_undone_and_applied_again() {
    let app = spawn().await;
    let owner = app.owner_db().await;
    let db = &owner;
    let all = Migrator::migrations().len();
    // The latest steps back and forth first, then the whole schema.
    Migrator::down(db, Some(1)).await.unwrap();
    assert_eq!(Migrator::get_pending_migrations(db).await.unwrap().len(), 1);
    Migrator::up(db, None).await.unwrap();
    Migrator::refresh(db).await.unwrap();
    assert_eq!(Migrator::get_applied_migrations(db).await.unwrap().len(), all);
    assert_eq!(entity::commune::Entity::find().count(db).await.unwrap(), 34_969);
}
