//! Consultation rows kept in memory for the routes citizens take part
//! through (a response, a support, a ballot), which read the row only to
//! check it is open: kept while the town's revision stands, at most
//! 10 minutes (writes outside any request, such as a restore, move no
//! revision).
use std::sync::{Arc, LazyLock};

use chrono::{DateTime, Duration, Utc};
use common::{TenantScope, tenancy::revisions};
use entity::consultation;
use moka::future::Cache;
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

/// How long a kept row is trusted at most.
const LIFETIME_SECONDS: i64 = 600;
/// What the kept rows may weigh, texts included.
const CAPACITY_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Clone)]
struct Kept {
    row: Arc<consultation::Model>,
    revision: u64,
    until: DateTime<Utc>,
}

static KEPT: LazyLock<Cache<(Uuid, Uuid), Kept>> = LazyLock::new(|| {
    Cache::builder()
        .max_capacity(CAPACITY_BYTES)
        .weigher(|_, k: &Kept| u32::try_from(weight(&k.row)).unwrap_or(u32::MAX))
        .build()
});

/// Roughly the bytes a row holds.
fn weight(c: &consultation::Model) -> usize {
    let texts = [&c.title, &c.summary, &c.body_markdown, &c.body_html, &c.categories];
    let results = [&c.results_markdown, &c.results_html];
    400 + texts.iter().map(|t| t.len()).sum::<usize>()
        + results.iter().map(|t| t.as_ref().map_or(0, String::len)).sum::<usize>()
}

/// Consultation `id` of this town, from memory if its town has not been
/// written to since it was read.
pub async fn get(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
) -> Result<Option<Arc<consultation::Model>>, DbErr> {
    let town = scope.tenant_id();
    let key = (town, id);
    // Read before the row: a write in between leaves it stale and marked so.
    let revision = revisions::revision(town);
    let now = Utc::now();
    if let Some(k) = KEPT.get(&key).await
        && k.revision == revision
        && k.until > now
    {
        return Ok(Some(k.row));
    }
    let Some(row) = super::consultations::get(conn, scope, id).await? else {
        return Ok(None);
    };
    let row = Arc::new(row);
    let until = now + Duration::seconds(LIFETIME_SECONDS);
    KEPT.insert(key, Kept { row: row.clone(), revision, until }).await;
    Ok(Some(row))
}
