//! Fixed-window rate limits on the sensitive endpoints: in Redis when it is
//! configured, so that every replica counts together; in process otherwise.
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{SystemTime, UNIX_EPOCH},
};

use actix_web::http::StatusCode;

use crate::{Problem, config::RateLimit, i18n::Text};

/// Counts attempts per key and window.
#[derive(Clone)]
pub struct RateLimiter {
    limit: RateLimit,
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Redis { conn: redis::aio::ConnectionManager, prefix: String },
    Memory(Arc<Mutex<HashMap<String, (u64, u32)>>>),
}

/// Above this many keys, the in-process table drops windows that have ended.
const MEMORY_SWEEP_AT: usize = 10_000;

impl RateLimiter {
    /// A limiter on Redis when given a connection, in process otherwise.
    pub fn new(limit: RateLimit, redis: Option<redis::aio::ConnectionManager>, prefix: &str) -> Self {
        let backend = match redis {
            Some(conn) => Backend::Redis { conn, prefix: format!("{prefix}:rate") },
            None => Backend::Memory(Arc::default()),
        };
        RateLimiter { limit, backend }
    }

    /// Counts one attempt against each key; 429 `rate_limited` with the seconds
    /// to wait if any key is over its limit.
    pub async fn check(&self, keys: &[String]) -> Result<(), Problem> {
        let per = u64::from(self.limit.per_seconds.max(1));
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let window = now / per;
        let retry_after = (window + 1) * per - now;
        for key in keys {
            let count = self.count(key, window, per).await?;
            if count > self.limit.count {
                return Err(Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited")
                    .with_detail(Text::fixed(
                        "Trop de tentatives ; réessayez dans quelques instants.",
                        "Too many attempts; try again in a moment.",
                    ))
                    .with_retry_after(retry_after.max(1)));
            }
        }
        Ok(())
    }

    async fn count(&self, key: &str, window: u64, per: u64) -> Result<u32, Problem> {
        match &self.backend {
            Backend::Redis { conn, prefix } => {
                let key = format!("{prefix}:{key}:{window}");
                let (count,): (u32,) = redis::pipe()
                    .atomic()
                    .incr(&key, 1)
                    .expire(&key, i64::try_from(per).unwrap_or(i64::MAX))
                    .ignore()
                    .query_async(&mut conn.clone())
                    .await
                    .map_err(Problem::unavailable)?;
                Ok(count)
            }
            Backend::Memory(table) => {
                let mut table = table.lock().map_err(|_| Problem::internal("rate limit table poisoned"))?;
                if table.len() >= MEMORY_SWEEP_AT {
                    table.retain(|_, (w, _)| *w == window);
                }
                let entry = table.entry(key.to_owned()).or_insert((window, 0));
                if entry.0 != window {
                    *entry = (window, 0);
                }
                entry.1 = entry.1.saturating_add(1);
                Ok(entry.1)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_limit_applies_per_key_in_process() {
        let limiter = RateLimiter::new(RateLimit { count: 3, per_seconds: 3600 }, None, "t");
        let a = vec!["ip:1".to_owned()];
        for _ in 0..3 {
            assert!(limiter.check(&a).await.is_ok());
        }
        let refused = limiter.check(&a).await.unwrap_err();
        assert_eq!(refused.code(), "rate_limited");
        assert!(limiter.check(&["ip:2".to_owned()]).await.is_ok(), "another key has its own count");
    }
}
