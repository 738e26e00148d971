//! Consultation rows kept in memory for the routes citizens take part
//! through (a response, a support, a ballot), which read the row only to
//! check it is open: kept while the town's revision stands (see
//! `common::tenancy::kept`).
use std::sync::{Arc, LazyLock};

use common::{TenantScope, tenancy::kept::KeptByTown};
use entity::consultation;
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

/// What the kept rows may weigh, texts included.
const CAPACITY_BYTES: u64 = 4 * 1024 * 1024;

static KEPT: LazyLock<KeptByTown<Uuid, consultation::Model>> =
    LazyLock::new(|| KeptByTown::new(CAPACITY_BYTES, weight));

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
    KEPT.get_or_read(scope.tenant_id(), id, super::consultations::get(conn, scope, id)).await
}
