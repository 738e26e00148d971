//! What a process keeps of a town's data, tagged with the town's revision when
//! it was read: current while the revision stands and at most [`LIFETIME`].
use std::{hash::Hash, sync::Arc};

use chrono::{DateTime, Duration, Utc};
use moka::future::Cache;
use uuid::Uuid;

use super::revisions;

/// How long a kept value is trusted at most: the bound for writes made outside
/// any request (a restore, a hand edit), which no revision tells of. Short
/// lifetimes cost dear: every value is read again at once when they lapse.
pub const LIFETIME: Duration = Duration::seconds(600);

struct Entry<V> {
    value: Arc<V>,
    revision: u64,
    until: DateTime<Utc>,
}

// Not derived: that would ask `V: Clone`, and only the `Arc` is cloned.
impl<V> Clone for Entry<V> {
    fn clone(&self) -> Self {
        Self { value: self.value.clone(), revision: self.revision, until: self.until }
    }
}

/// Values of type `V` read from a town's data, by town and `K`, bounded by
/// their weight in bytes.
pub struct KeptByTown<K, V> {
    cache: Cache<(Uuid, K), Entry<V>>,
}

/// A lookup that found nothing current: a value read after it is kept with
/// the revision seen before the read, so that a write in between leaves it stale.
pub struct Lookup<K> {
    key: (Uuid, K),
    revision: u64,
    /// The moment of the lookup.
    pub now: DateTime<Utc>,
}

impl<K, V> KeptByTown<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    /// Keeps at most `capacity_bytes`, each value weighing `weigh(value)`.
    pub fn new(capacity_bytes: u64, weigh: fn(&V) -> usize) -> Self {
        let cache = Cache::builder()
            .max_capacity(capacity_bytes)
            .weigher(move |_, e: &Entry<V>| u32::try_from(weigh(&e.value)).unwrap_or(u32::MAX))
            .build();
        Self { cache }
    }

    /// The value kept for `key` of `town` if it is still current, and the
    /// lookup to keep a freshly read one with.
    pub async fn get(&self, town: Uuid, key: K) -> (Option<Arc<V>>, Lookup<K>) {
        // The revision is read before the data: a write in between marks it stale.
        let lookup = Lookup { key: (town, key), revision: revisions::revision(town), now: Utc::now() };
        let current = self
            .cache
            .get(&lookup.key)
            .await
            .filter(|e| e.revision == lookup.revision && e.until > lookup.now)
            .map(|e| e.value);
        (current, lookup)
    }

    /// Keeps `value`, read after `lookup`, until `until` if it stops being
    /// true by itself before [`LIFETIME`] is over.
    pub async fn keep(&self, lookup: Lookup<K>, value: Arc<V>, until: Option<DateTime<Utc>>) {
        let limit = lookup.now + LIFETIME;
        let until = until.map_or(limit, |u| u.min(limit));
        self.cache.insert(lookup.key, Entry { value, revision: lookup.revision, until }).await;
    }

    /// The kept value for `key` of `town`, or the one `read` gives (kept, if any).
    pub async fn get_or_read<E>(
        &self,
        town: Uuid,
        key: K,
        read: impl Future<Output = Result<Option<V>, E>>,
    ) -> Result<Option<Arc<V>>, E> {
        let (current, lookup) = self.get(town, key).await;
        if current.is_some() {
            return Ok(current);
        }
        let Some(value) = read.await? else { return Ok(None) };
        let value = Arc::new(value);
        self.keep(lookup, value.clone(), None).await;
        Ok(Some(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept() -> KeptByTown<u32, String> {
        KeptByTown::new(1024 * 1024, String::len)
    }

    /// What `kept` gives for key 1 of `town`, reading `fresh` if nothing is current.
    async fn shown(kept: &KeptByTown<u32, String>, town: Uuid, fresh: &str) -> Option<String> {
        let read = async { Ok::<_, ()>(Some(fresh.to_owned())) };
        kept.get_or_read(town, 1, read).await.ok().flatten().map(|v| v.as_str().to_owned())
    }

    #[actix_web::test]
    async fn a_value_is_kept_until_its_town_is_written() {
        let (kept, town, other) = (kept(), Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(shown(&kept, town, "first").await.as_deref(), Some("first"));
        assert_eq!(shown(&kept, town, "second").await.as_deref(), Some("first"));
        assert_eq!(shown(&kept, other, "other").await.as_deref(), Some("other"));
        revisions::written(Some(town));
        assert_eq!(shown(&kept, town, "third").await.as_deref(), Some("third"));
        assert_eq!(shown(&kept, other, "again").await.as_deref(), Some("other"));
    }

    #[actix_web::test]
    async fn a_write_during_the_read_leaves_the_value_stale() {
        let (kept, town) = (kept(), Uuid::now_v7());
        let (_, lookup) = kept.get(town, 1).await;
        revisions::written(Some(town));
        kept.keep(lookup, Arc::new("read before the write".to_owned()), None).await;
        assert!(kept.get(town, 1).await.0.is_none());
    }

    #[actix_web::test]
    async fn a_value_lapses_at_its_own_end_or_after_the_lifetime() {
        let (kept, town) = (kept(), Uuid::now_v7());
        let (_, lookup) = kept.get(town, 1).await;
        let past = lookup.now - Duration::seconds(1);
        kept.keep(lookup, Arc::new("closed".to_owned()), Some(past)).await;
        assert!(kept.get(town, 1).await.0.is_none());
        // Kept a lifetime ago: lapsed, however far its own end.
        let (_, mut lookup) = kept.get(town, 1).await;
        lookup.now -= LIFETIME + Duration::seconds(1);
        kept.keep(lookup, Arc::new("old".to_owned()), Some(Utc::now() + Duration::days(30))).await;
        assert!(kept.get(town, 1).await.0.is_none());
        let (_, lookup) = kept.get(town, 1).await;
        kept.keep(lookup, Arc::new("open".to_owned()), Some(Utc::now() + Duration::days(30))).await;
        assert!(kept.get(town, 1).await.0.is_some());
    }
}
