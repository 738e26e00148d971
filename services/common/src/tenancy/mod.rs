//! Every request belongs to the platform host or to one town, from its Host alone.
mod extract;
mod host;
pub mod kept;
mod middleware;
mod resolver;
pub mod revisions;
mod row_access;
mod scope;
mod town_changes;

pub use host::HostName;
pub use middleware::resolve_site;
pub use resolver::{SiteResolver, TownStatus};
pub use row_access::RowAccess;
pub(crate) use row_access::bind as bind_row_access;
pub use scope::{ScopedTxn, TenantScope};

use uuid::Uuid;

/// A live town, as resolved from the request's host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Town {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub status: TownStatus,
    /// Access tokens issued before this instant are refused.
    pub tokens_valid_after: Option<chrono::DateTime<chrono::Utc>>,
    /// The town's logo (an https address), shown on its pages.
    pub logo_url: Option<String>,
}

impl Town {
    /// The scope every query about this town's data goes through.
    pub fn scope(&self) -> TenantScope {
        TenantScope::new(self.id)
    }
}

/// Where a request landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Site {
    /// `PLATFORM_DOMAIN` itself: signup and the operator console.
    Platform,
    /// A town's host.
    Town(Town),
}

/// Extractor for routes that exist only on the platform host.
#[derive(Debug, Clone, Copy)]
pub struct PlatformHost;

/// Route guard: the request is for a town's host (so that the platform host
/// can answer the same path, `/` for one, with its own page).
pub fn on_town() -> impl actix_web::guard::Guard {
    actix_web::guard::fn_guard(|ctx| matches!(ctx.req_data().get::<Site>(), Some(Site::Town(_))))
}

/// Route guard: the request is for the platform host.
pub fn on_platform() -> impl actix_web::guard::Guard {
    actix_web::guard::fn_guard(|ctx| matches!(ctx.req_data().get::<Site>(), Some(Site::Platform)))
}
