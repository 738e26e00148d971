//! Access tokens this process has already verified, kept by their exact text
//! until they expire: a token used again (every page a citizen opens) costs a
//! lookup instead of a signature check.
use std::time::Duration;

use moka::sync::Cache;

use super::claims::AccessClaims;

/// What the kept tokens may weigh (about 4,000 sessions' tokens).
const CAPACITY_BYTES: u64 = 4 * 1024 * 1024;

/// Verified tokens and their claims; one per set of keys, so that a key
/// withdrawn (a new set) forgets what it verified.
#[derive(Clone)]
pub(super) struct VerifiedTokens {
    cache: Cache<String, AccessClaims>,
}

impl VerifiedTokens {
    /// Keeps each token at most `lifetime` (an access token's whole life).
    pub(super) fn new(lifetime: Duration) -> Self {
        let cache = Cache::builder()
            .max_capacity(CAPACITY_BYTES)
            .weigher(|token: &String, c: &AccessClaims| {
                u32::try_from(token.len() + c.iss.len() + c.aud.len() + 160).unwrap_or(u32::MAX)
            })
            .time_to_live(lifetime)
            .build();
        Self { cache }
    }

    /// The claims of `token` if it was verified before for `audience` and
    /// has not expired since (`leeway` seconds allowed, as on first check).
    pub(super) fn get(&self, token: &str, audience: &str, now: i64, leeway: i64) -> Option<AccessClaims> {
        self.cache.get(token).filter(|c| c.aud == audience && c.exp >= now - leeway)
    }

    /// Remembers that `token` carries `claims`, checked in full.
    pub(super) fn keep(&self, token: &str, claims: &AccessClaims) {
        self.cache.insert(token.to_owned(), claims.clone());
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::auth::Role;

    fn claims(aud: &str, exp: i64) -> AccessClaims {
        AccessClaims {
            sub: Uuid::now_v7(),
            tid: None,
            role: Role::Citizen,
            iss: "https://participation.test".into(),
            aud: aud.into(),
            exp,
            iat: exp - 900,
            jti: Uuid::now_v7(),
            sid: None,
        }
    }

    #[test]
    fn a_kept_token_holds_for_its_audience_until_it_expires() {
        let kept = VerifiedTokens::new(Duration::from_secs(60));
        let now = 1_800_000_000;
        kept.keep("a.b.c", &claims("town:1", now + 60));
        kept.keep("d.e.f", &claims("town:1", now - 6));
        assert!(kept.get("a.b.c", "town:1", now, 5).is_some());
        assert!(kept.get("a.b.c", "town:2", now, 5).is_none(), "another town's host");
        assert!(kept.get("a.b.c", "town:1", now + 66, 5).is_none(), "expired since");
        assert!(kept.get("d.e.f", "town:1", now, 5).is_none(), "expired beyond the leeway");
        assert!(kept.get("a.b.x", "town:1", now, 5).is_none(), "another text");
    }
}
