//! Settings read once from the environment at start, as API.md lists them.
use std::{fmt, net::SocketAddr, path::PathBuf};

/// Why the configuration was refused: always names the variable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid {var}: {reason}")]
pub struct ConfigError {
    /// The environment variable at fault.
    pub var: &'static str,
    /// What is wrong with its value, in one line.
    pub reason: String,
}

/// Scheme used to build links in e-mails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlScheme {
    Http,
    Https,
}

impl UrlScheme {
    /// The scheme as written in a URL.
    pub fn as_str(self) -> &'static str {
        match self {
            UrlScheme::Http => "http",
            UrlScheme::Https => "https",
        }
    }
}

/// A connection URL whose `Debug` hides any password it holds.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl(String);

impl SecretUrl {
    /// The full URL, password included: only for opening the connection.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0.split_once("://"), self.0.rfind('@')) {
            (Some((scheme, _)), Some(at)) => write!(f, "{scheme}://***{}", &self.0[at..]),
            _ => f.write_str(&self.0),
        }
    }
}

/// Which database the platform runs on, chosen by `DATABASE_URL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

/// Rate limit on the sensitive auth endpoints: `count` per `per_seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub count: u32,
    pub per_seconds: u32,
}

/// The whole configuration of a process.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen_addr: SocketAddr,
    pub metrics_addr: SocketAddr,
    /// Lower-case host (with port when not the scheme's default) of the platform.
    pub platform_domain: String,
    pub public_url_scheme: UrlScheme,
    pub database_url: SecretUrl,
    pub database_kind: DatabaseKind,
    /// The schema owner's URL: migrations run with it, and the role of `database_url` owns nothing.
    pub migration_database_url: Option<SecretUrl>,
    /// Most connections this process opens to the database.
    pub database_pool_size: u32,
    pub redis_url: Option<SecretUrl>,
    pub smtp_url: Option<SecretUrl>,
    /// PEM certificates trusted for the SMTP server's TLS besides the public roots.
    pub smtp_ca_file: Option<PathBuf>,
    pub mail_from: String,
    pub data_dir: PathBuf,
    pub auth_rate_limit: RateLimit,
    /// Prefix of every Redis key the platform uses (one installation per prefix).
    pub redis_key_prefix: String,
    /// Mails handed to the SMTP server per second and process; 0: no cap.
    pub mail_rate_per_second: u32,
    /// Attempts after which a transiently failing mail is given up (`dead`).
    pub mail_max_attempts: u32,
    /// A mail job or delivery untouched this long is taken over by another worker.
    pub mail_visibility_timeout_secs: u32,
    /// Memory (MiB) each process may keep consultation pages' public parts in; 0: none kept.
    pub page_cache_mb: u32,
    /// Announcements a town may send its subscribers per day (test sends to oneself not counted).
    pub announcements_per_day: u32,
    /// Key for signed links (unsubscribe); generated under `DATA_DIR` when unset.
    pub signing_key: Option<SecretUrl>,
    /// Folder of the EdDSA keys signing access tokens; `DATA_DIR/jwt` when unset.
    pub jwt_keys_dir: Option<PathBuf>,
    /// argon2id cost of password hashes.
    pub argon2: Argon2Params,
}

/// argon2id parameters (RFC 9106); the defaults are OWASP's recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Params {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests need not touch the environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let addr = |var: &'static str, default: &str| -> Result<SocketAddr, ConfigError> {
            let raw = get(var).unwrap_or_else(|| default.to_owned());
            raw.trim()
                .parse()
                .map_err(|_| invalid(var, format!("{raw:?} is not an address like 127.0.0.1:8080")))
        };
        let platform_domain =
            parse_domain(&get("PLATFORM_DOMAIN").unwrap_or_else(|| "localhost:8080".into()))
                .map_err(|reason| invalid("PLATFORM_DOMAIN", reason))?;
        let public_url_scheme = match get("PUBLIC_URL_SCHEME").as_deref().map(str::trim) {
            None | Some("http") => UrlScheme::Http,
            Some("https") => UrlScheme::Https,
            Some(other) => {
                return Err(invalid("PUBLIC_URL_SCHEME", format!("{other:?} is neither http nor https")));
            }
        };
        let data_dir = PathBuf::from(get("DATA_DIR").unwrap_or_else(|| "data".into()));
        let (database_url, database_kind) = match get("DATABASE_URL") {
            Some(url) => parse_database_url(url.trim())?,
            None => (
                SecretUrl(format!("sqlite://{}/participation.db?mode=rwc", data_dir.display())),
                DatabaseKind::Sqlite,
            ),
        };
        let migration_database_url = match get("MIGRATION_DATABASE_URL") {
            None => None,
            Some(url) => match parse_database_url(url.trim()) {
                Ok((url, DatabaseKind::Postgres)) if database_kind == DatabaseKind::Postgres => Some(url),
                _ => {
                    return Err(invalid(
                        "MIGRATION_DATABASE_URL",
                        "expected postgres://… beside a PostgreSQL DATABASE_URL (the value is not shown: it may hold a password)"
                            .into(),
                    ));
                }
            },
        };
        let redis_url = get("REDIS_URL")
            .map(|u| url_with_scheme("REDIS_URL", u.trim(), &["redis", "rediss"]))
            .transpose()?;
        let smtp_url =
            get("SMTP_URL").map(|u| url_with_scheme("SMTP_URL", u.trim(), &["smtp", "smtps"])).transpose()?;
        let mail_from = match get("MAIL_FROM") {
            Some(m) if is_plain_address(m.trim()) => m.trim().to_owned(),
            Some(m) => {
                return Err(invalid("MAIL_FROM", format!("{m:?} is not an e-mail address")));
            }
            None => format!("noreply@{}", strip_port(&platform_domain)),
        };
        let auth_rate_limit = match get("AUTH_RATE_LIMIT") {
            Some(raw) => parse_rate(raw.trim()).ok_or_else(|| {
                invalid("AUTH_RATE_LIMIT", format!("{raw:?} is not like 20/min, 5/sec or 100/hour"))
            })?,
            None => RateLimit { count: 20, per_seconds: 60 },
        };
        let number =
            |var: &'static str, default: u32, min: u32| -> Result<u32, ConfigError> {
                match get(var) {
                    None => Ok(default),
                    Some(raw) => raw.trim().parse::<u32>().ok().filter(|n| *n >= min).ok_or_else(|| {
                        invalid(var, format!("{raw:?} is not a whole number of at least {min}"))
                    }),
                }
            };
        let redis_key_prefix = get("REDIS_KEY_PREFIX").unwrap_or_else(|| "participation".into());
        if !redis_key_prefix.chars().all(|c| c.is_ascii_alphanumeric() || "-_:.".contains(c)) {
            return Err(invalid("REDIS_KEY_PREFIX", "letters, digits and - _ : . only".into()));
        }
        let signing_key = match get("SIGNING_KEY") {
            Some(key) if key.trim().len() >= 32 => Some(SecretUrl(key.trim().to_owned())),
            Some(_) => return Err(invalid("SIGNING_KEY", "at least 32 characters are needed".into())),
            None => None,
        };
        let argon2 = Argon2Params {
            memory_kib: number("ARGON2_MEMORY_KIB", 19_456, 64)?,
            iterations: number("ARGON2_ITERATIONS", 2, 1)?,
            parallelism: number("ARGON2_PARALLELISM", 1, 1)?,
        };
        Ok(Config {
            signing_key,
            jwt_keys_dir: get("JWT_KEYS_DIR").map(|d| PathBuf::from(d.trim())),
            argon2,
            redis_key_prefix,
            database_pool_size: number(
                "DATABASE_POOL_SIZE",
                match database_kind {
                    DatabaseKind::Sqlite => 8,
                    DatabaseKind::Postgres => 20,
                },
                1,
            )?,
            mail_rate_per_second: number("MAIL_RATE_PER_SECOND", 50, 0)?,
            mail_max_attempts: number("MAIL_MAX_ATTEMPTS", 6, 1)?,
            mail_visibility_timeout_secs: number("MAIL_VISIBILITY_TIMEOUT", 120, 1)?,
            announcements_per_day: number("ANNOUNCEMENTS_PER_DAY", 3, 0)?,
            page_cache_mb: number("PAGE_CACHE_MB", 64, 0)?,
            listen_addr: addr("LISTEN_ADDR", "127.0.0.1:8080")?,
            metrics_addr: addr("METRICS_ADDR", "127.0.0.1:9898")?,
            platform_domain,
            public_url_scheme,
            database_url,
            database_kind,
            migration_database_url,
            redis_url,
            smtp_url,
            smtp_ca_file: get("SMTP_CA_FILE").map(|p| PathBuf::from(p.trim())),
            mail_from,
            data_dir,
            auth_rate_limit,
        })
    }
}

fn invalid(var: &'static str, reason: String) -> ConfigError {
    ConfigError { var, reason }
}

fn parse_database_url(url: &str) -> Result<(SecretUrl, DatabaseKind), ConfigError> {
    let kind = match url.split_once("://").map(|(s, _)| s) {
        Some("sqlite") => DatabaseKind::Sqlite,
        Some("postgres" | "postgresql") => DatabaseKind::Postgres,
        _ => {
            return Err(invalid(
                "DATABASE_URL",
                "expected sqlite://… or postgres://… (the value is not shown: it may hold a password)".into(),
            ));
        }
    };
    Ok((SecretUrl(url.to_owned()), kind))
}

fn url_with_scheme(var: &'static str, url: &str, schemes: &[&str]) -> Result<SecretUrl, ConfigError> {
    match url.split_once("://") {
        Some((scheme, rest)) if schemes.contains(&scheme) && !rest.is_empty() => {
            Ok(SecretUrl(url.to_owned()))
        }
        _ => Err(invalid(var, format!("expected {}://host:port", schemes.join("://… or ")))),
    }
}

/// A bare host with an optional port: no scheme, path, user or spaces.
fn parse_domain(raw: &str) -> Result<String, String> {
    let host = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host.as_str(), None),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
    if name_ok && port_ok {
        Ok(host)
    } else {
        Err(format!("{raw:?} is not a host name like participer.example.fr or localhost:8080"))
    }
}

/// The host name without its port.
pub fn strip_port(host: &str) -> &str {
    host.rsplit_once(':').map_or(host, |(name, _)| name)
}

fn is_plain_address(s: &str) -> bool {
    matches!(s.split_once('@'), Some((local, domain))
        if !local.is_empty() && (domain.contains('.') || domain == "localhost"))
        && !s.chars().any(|c| c.is_whitespace() || c == '<' || c == '>')
}

fn parse_rate(raw: &str) -> Option<RateLimit> {
    let (count, unit) = raw.split_once('/')?;
    let per_seconds = match unit {
        "sec" | "s" => 1,
        "min" | "m" => 60,
        "hour" | "h" => 3600,
        _ => return None,
    };
    let count: u32 = count.parse().ok().filter(|n| *n > 0)?;
    Some(RateLimit { count, per_seconds })
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
