//! Opening the database (SQLite file or PostgreSQL) and applying migrations.
use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement,
    TransactionTrait,
};

use crate::config::{Config, DatabaseKind};

/// How many values one `IN (…)` list carries: far below PostgreSQL's 65,535
/// bound parameters, whatever the number of towns asked about.
pub const VALUES_PER_QUERY: usize = 1_000;

/// How long a request may wait for a pooled PostgreSQL connection before it fails with 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// On SQLite, writers take turns on one file: a burst of contributions (a
/// hundred at once) queues for the pool and for the write lock rather than
/// failing, and there is no server that could be down.
const SQLITE_WAIT: Duration = Duration::from_secs(30);

/// Opens the pool; for SQLite, creates the file's folder and switches to WAL.
pub async fn connect(config: &Config) -> anyhow::Result<DatabaseConnection> {
    open(config.database_url.expose(), config.database_kind, config.database_pool_size)
        .await
        .context("cannot open the database named by DATABASE_URL")
}

async fn open(url: &str, kind: DatabaseKind, pool_size: u32) -> anyhow::Result<DatabaseConnection> {
    if kind == DatabaseKind::Sqlite {
        create_sqlite_folder(url)?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(pool_size)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(match kind {
            DatabaseKind::Sqlite => SQLITE_WAIT,
            DatabaseKind::Postgres => ACQUIRE_TIMEOUT,
        })
        // Binding the connection to the request's town (below) is a round trip
        // that also proves it alive: the pool's own ping would be a second one.
        .test_before_acquire(kind == DatabaseKind::Sqlite)
        .map_sqlx_postgres_pool_opts(|pool| {
            pool.after_connect(|conn, _| Box::pin(crate::tenancy::bind_row_access(conn))).before_acquire(
                |conn, _| Box::pin(async { crate::tenancy::bind_row_access(conn).await.map(|()| true) }),
            )
        })
        .sqlx_logging(false)
        // With WAL, NORMAL survives any process crash; only a power loss may drop the
        // last commits. FULL would fsync every commit of the mail worker.
        .map_sqlx_sqlite_opts(|o| {
            o.synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal).busy_timeout(SQLITE_WAIT)
        });
    let db = Database::connect(options).await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        // WAL lets readers go on while a write commits; it is stored in the file.
        db.execute_unprepared("PRAGMA journal_mode=WAL").await?;
    }
    Ok(db)
}

fn create_sqlite_folder(url: &str) -> anyhow::Result<()> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path.starts_with(":memory:") {
        return Ok(());
    }
    if let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    }
    Ok(())
}

/// Applies pending migrations; running it again changes nothing.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    migrate_then_grant(db, None).await
}

/// Migrates, then (PostgreSQL) grants `grant_to` read and write rights on every
/// table, under one lock: processes starting together would clash on the grants.
async fn migrate_then_grant(db: &DatabaseConnection, grant_to: Option<&str>) -> Result<(), DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            // Several replicas may start at once: one migrates, the others wait.
            let txn = db.begin().await?;
            txn.execute_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock(7243049113)",
            ))
            .await?;
            // Read first: a role that may not create tables (the app's own,
            // under row-level security) starts fine on an up-to-date schema.
            if !Migrator::get_pending_migrations_read_only(&txn).await?.is_empty() {
                Migrator::up(&txn, None).await?;
            }
            if let Some(role) = grant_to.map(quote_identifier) {
                txn.execute_unprepared(&format!(
                    "GRANT USAGE ON SCHEMA public TO {role}; \
                     GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}; \
                     GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}"
                ))
                .await?;
            }
            txn.commit().await
        }
        _ => Migrator::up(db, None).await,
    }
}

/// Brings the schema up to date: as the owner named by `MIGRATION_DATABASE_URL`
/// when set, which then grants the role of `db` its rights on every table; else on `db`.
pub async fn prepare_schema(config: &Config, db: &DatabaseConnection) -> anyhow::Result<()> {
    let Some(owner_url) = &config.migration_database_url else {
        return migrate(db).await.context("cannot apply the database migrations");
    };
    let owner = open(owner_url.expose(), DatabaseKind::Postgres, 1)
        .await
        .context("cannot open the database named by MIGRATION_DATABASE_URL")?;
    let app_role = current_role(db).await?;
    let grant_to = (app_role != current_role(&owner).await?).then_some(app_role.as_str());
    migrate_then_grant(&owner, grant_to).await.with_context(|| {
        format!("cannot apply the database migrations, or grant the role {app_role} its rights")
    })?;
    owner.close().await?;
    Ok(())
}

/// On PostgreSQL, whether row-level security binds the role of `db` (forced on
/// every town's table, it binds their owner too, but never a superuser or BYPASSRLS).
pub async fn row_security_binds(db: &DatabaseConnection) -> Result<bool, DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT NOT (rolsuper OR rolbypassrls) AS binds FROM pg_roles WHERE rolname = current_user",
        ))
        .await?;
    Ok(row.map(|r| r.try_get::<bool>("", "binds")).transpose()?.unwrap_or(false))
}

async fn current_role(db: &DatabaseConnection) -> anyhow::Result<String> {
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::Postgres, "SELECT current_user::text AS role"))
        .await?
        .context("no current role")?;
    Ok(row.try_get::<String>("", "role")?)
}

/// `name` as a PostgreSQL identifier, whatever characters it holds.
fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Whether the error means the database could not be reached (answer 503, not 500):
/// no connection to be had, or one cut while a statement ran (a restart).
pub fn is_connection_error(err: &DbErr) -> bool {
    use sea_orm::{RuntimeErr, sqlx::Error};
    let (DbErr::Query(RuntimeErr::SqlxError(cause)) | DbErr::Exec(RuntimeErr::SqlxError(cause))) = err else {
        return matches!(err, DbErr::ConnectionAcquire(_) | DbErr::Conn(_));
    };
    match cause.as_ref() {
        Error::Io(_) | Error::PoolTimedOut | Error::PoolClosed | Error::WorkerCrashed => true,
        // Class 08: connection exception; 57P01-57P03: the server shuts down or starts.
        Error::Database(e) => {
            e.code().is_some_and(|c| c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03"))
        }
        _ => false,
    }
}

/// Opens a transaction that will write. On SQLite it takes the write lock at
/// once (`BEGIN IMMEDIATE`), waiting its turn: a transaction that read first
/// and wrote later would fail outright whenever another write came between.
pub async fn begin_write(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
    if db.get_database_backend() == DbBackend::Sqlite {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        return db.begin_with_options(options).await;
    }
    db.begin().await
}

/// The calendar day (UTC) of a timestamp column, as `YYYY-MM-DD`, for grouping by day.
pub fn day_of(backend: DbBackend, column: &str) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::Expr;
    match backend {
        DbBackend::Postgres => Expr::cust(format!("to_char(\"{column}\" AT TIME ZONE 'UTC', 'YYYY-MM-DD')")),
        // SQLite keeps UTC timestamps as ISO text: the day is its first ten characters.
        _ => Expr::cust(format!("substr(\"{column}\", 1, 10)")),
    }
}
