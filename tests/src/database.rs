//! One fresh database per test, dropped when the test ends.
use std::path::Path;

use sea_orm::{ConnectionTrait, Database};
use tempfile::TempDir;

/// The role the app connects as on PostgreSQL: it owns nothing and row-level
/// security binds it, as in production; migrations run as the server's user.
pub const APP_ROLE: &str = "participation_app";

/// A database made for one test (and the data folder beside it).
pub struct TestDatabase {
    url: String,
    data_dir: TempDir,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    /// SQLite in a temporary folder, or a new PostgreSQL database named
    /// `test_<uuid>` on the server of `TEST_DATABASE_URL`.
    pub async fn create() -> Self {
        let data_dir = tempfile::tempdir().expect("temp dir");
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) => {
                let name = format!("test_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(&admin_url).await.expect("connect to TEST_DATABASE_URL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create test database");
                // Tests create it side by side: the loser of the race finds it made.
                admin
                    .execute_unprepared(&format!(
                        "DO $$ BEGIN CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS; \
                         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
                    ))
                    .await
                    .expect("create the app's role");
                admin.close().await.ok();
                TestDatabase {
                    url: with_user(&with_database(&admin_url, &name), APP_ROLE),
                    data_dir,
                    postgres: Some((admin_url, name)),
                }
            }
            Err(_) => {
                let url = format!("sqlite://{}/participation.db?mode=rwc", data_dir.path().display());
                TestDatabase { url, data_dir, postgres: None }
            }
        }
    }

    /// Its connection URL, as the app's role on PostgreSQL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The settings that open it: `DATABASE_URL` and, on PostgreSQL, the
    /// owner's `MIGRATION_DATABASE_URL`.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        let mut settings = vec![("DATABASE_URL", self.url.clone())];
        if let Some((admin_url, name)) = &self.postgres {
            settings.push(("MIGRATION_DATABASE_URL", with_database(admin_url, name)));
        }
        settings
    }

    /// The app's `DATA_DIR`.
    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// Whether this is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }
}

/// `postgres://u@h:p/db?x` with `db` replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// `postgres://u@h/db` with the user `u` replaced by `user` (no password: trust on loopback).
pub fn with_user(url: &str, user: &str) -> String {
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[scheme_end..];
    let host_start = rest.find('/').map_or(rest.len(), |i| i);
    let host = rest[..host_start].rsplit_once('@').map_or(&rest[..host_start], |(_, h)| h);
    format!("{}{user}@{host}{}", &url[..scheme_end], &rest[host_start..])
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot block: use a thread of our own.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            rt.block_on(async {
                let admin = Database::connect(&admin_url).await.ok()?;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await
                    .ok()?;
                admin.close().await.ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            eprintln!("warning: a test database could not be dropped");
        }
    }
}
