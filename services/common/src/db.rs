//! Opening the database (SQLite file or PostgreSQL) and applying migrations.
use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement,
    TransactionTrait,
};

use crate::config::{Config, DatabaseKind};

/// How long a request may wait for a pooled PostgreSQL connection before it fails with 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// On SQLite, writers take turns on one file: a burst of contributions (a
/// hundred at once) queues for the pool and for the write lock rather than
/// failing, and there is no server that could be down.
const SQLITE_WAIT: Duration = Duration::from_secs(30);

/// Opens the pool; for SQLite, creates the file's folder and switches to WAL.
pub async fn connect(config: &Config) -> anyhow::Result<DatabaseConnection> {
    let url = config.database_url.expose();
    if config.database_kind == DatabaseKind::Sqlite {
        create_sqlite_folder(url)?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(config.database_pool_size)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(match config.database_kind {
            DatabaseKind::Sqlite => SQLITE_WAIT,
            DatabaseKind::Postgres => ACQUIRE_TIMEOUT,
        })
        .sqlx_logging(false)
        // With WAL, NORMAL survives any process crash; only a power loss may drop the
        // last commits. FULL would fsync every commit of the mail worker.
        .map_sqlx_sqlite_opts(|o| {
            o.synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal).busy_timeout(SQLITE_WAIT)
        });
    let db = Database::connect(options).await.context("cannot open the database named by DATABASE_URL")?;
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
    match db.get_database_backend() {
        DbBackend::Postgres => {
            // Several replicas may start at once: one migrates, the others wait.
            let txn = db.begin().await?;
            txn.execute_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock(7243049113)",
            ))
            .await?;
            Migrator::up(&txn, None).await?;
            txn.commit().await
        }
        _ => Migrator::up(db, None).await,
    }
}

/// Whether the error means the database could not be reached (answer 503, not 500).
pub fn is_connection_error(err: &DbErr) -> bool {
    matches!(err, DbErr::ConnectionAcquire(_) | DbErr::Conn(_))
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
