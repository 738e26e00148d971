use std::collections::HashMap;

use super::*;

fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let env: HashMap<String, String> =
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    Config::from_lookup(|k| env.get(k).cloned())
}

#[test]
fn defaults_are_the_embedded_run() {
    let c = load(&[]).unwrap();
    assert_eq!(c.listen_addr.to_string(), "127.0.0.1:8080");
    assert_eq!(c.metrics_addr.to_string(), "127.0.0.1:9898");
    assert_eq!(c.platform_domain, "localhost:8080");
    assert_eq!(c.public_url_scheme, UrlScheme::Http);
    assert_eq!(c.database_url.expose(), "sqlite://data/participation.db?mode=rwc");
    assert_eq!(c.database_kind, DatabaseKind::Sqlite);
    assert!(c.redis_url.is_none() && c.smtp_url.is_none());
    assert_eq!(c.mail_from, "noreply@localhost");
    assert_eq!(c.auth_rate_limit, RateLimit { count: 20, per_seconds: 60 });
    assert_eq!(c.database_pool_size, 8);
}

#[test]
fn each_bad_value_names_its_variable() {
    for (var, value) in [
        ("LISTEN_ADDR", "localhost"),
        ("METRICS_ADDR", "1.2.3.4:99999"),
        ("PLATFORM_DOMAIN", "http://example.fr"),
        ("PLATFORM_DOMAIN", "exa mple.fr"),
        ("PUBLIC_URL_SCHEME", "ftp"),
        ("DATABASE_URL", "mysql://root@db/x"),
        ("REDIS_URL", "127.0.0.1:6379"),
        ("SMTP_URL", "mail.example.fr"),
        ("MAIL_FROM", "not an address"),
        ("AUTH_RATE_LIMIT", "20 per minute"),
        ("REDIS_KEY_PREFIX", "a b"),
        ("MAIL_RATE_PER_SECOND", "-1"),
        ("MAIL_MAX_ATTEMPTS", "0"),
        ("SIGNING_KEY", "short"),
        ("MAIL_VISIBILITY_TIMEOUT", "0"),
        ("ANNOUNCEMENTS_PER_DAY", "many"),
        ("PAGE_CACHE_MB", "-1"),
        ("DATABASE_POOL_SIZE", "0"),
        // The owner's URL only makes sense beside a PostgreSQL DATABASE_URL.
        ("MIGRATION_DATABASE_URL", "postgres://owner@db/x"),
    ] {
        let err = load(&[(var, value)]).unwrap_err();
        assert_eq!(err.var, var, "{var}={value}");
        assert!(!err.to_string().contains('\n'));
    }
}

#[test]
fn production_values_are_read() {
    let c = load(&[
        ("PLATFORM_DOMAIN", "Participer.Example.FR"),
        ("PUBLIC_URL_SCHEME", "https"),
        ("DATABASE_URL", "postgres://app:s3cret@db:5432/participation"),
        ("REDIS_URL", "redis://redis:6379"),
        ("SMTP_URL", "smtps://user:pw@smtp.example.fr"),
        ("AUTH_RATE_LIMIT", "5/sec"),
        ("DATA_DIR", "/var/lib/participation"),
    ])
    .unwrap();
    assert_eq!(c.platform_domain, "participer.example.fr");
    assert_eq!(c.database_kind, DatabaseKind::Postgres);
    assert_eq!(c.mail_from, "noreply@participer.example.fr");
    assert_eq!(c.auth_rate_limit, RateLimit { count: 5, per_seconds: 1 });
    assert_eq!(c.database_pool_size, 20, "PostgreSQL's default pool");
    let sized = load(&[("DATABASE_URL", "postgres://db/x"), ("DATABASE_POOL_SIZE", "10")]).unwrap();
    assert_eq!(sized.database_pool_size, 10);
    assert_eq!(c.page_cache_mb, 64);
    assert_eq!(load(&[("PAGE_CACHE_MB", "0")]).unwrap().page_cache_mb, 0, "nothing kept");
    assert!(c.migration_database_url.is_none());
    let owned = load(&[
        ("DATABASE_URL", "postgres://app@db/x"),
        ("MIGRATION_DATABASE_URL", "postgres://owner:0wn3r@db/x"),
    ])
    .unwrap();
    assert_eq!(
        owned.migration_database_url.as_ref().map(|u| u.expose()),
        Some("postgres://owner:0wn3r@db/x")
    );
    assert!(!format!("{owned:?}").contains("0wn3r"));
    let wrong = load(&[("DATABASE_URL", "postgres://app@db/x"), ("MIGRATION_DATABASE_URL", "sqlite://x.db")]);
    assert_eq!(wrong.unwrap_err().var, "MIGRATION_DATABASE_URL");
}

#[test]
fn secrets_are_redacted_in_debug_output() {
    let c = load(&[("DATABASE_URL", "postgres://app:s3cret@db/participation")]).unwrap();
    let shown = format!("{c:?}");
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(shown.contains("@db/participation"));
}
