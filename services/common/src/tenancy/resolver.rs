//! Host → site, cached so that its cost does not grow with the number of towns.
use std::{sync::Arc, time::Duration};

use entity::{tenant, tenant_domain};
use moka::future::Cache;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationTrait,
};

use super::{HostName, Site, Town};
use crate::problem::Problem;

/// How long a resolution is trusted. A change to a town empties every
/// process's cache at once (`forget_everywhere`); the lapse only bounds a
/// notice lost while a process was reconnecting. Long, so that thousands of
/// towns seldom visited each still resolve from memory.
const TTL: Duration = Duration::from_secs(300);
/// Bound on remembered hosts, including unknown ones sent by strangers.
const CAPACITY: u64 = 100_000;

/// The states of a town that have a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TownStatus {
    Active,
    Suspended,
}

#[derive(Debug, Clone)]
enum Resolved {
    Site(Site),
    Suspended,
    Unknown,
}

/// Resolves Host headers to sites through an in-memory cache in front of two indexed lookups.
#[derive(Clone)]
pub struct SiteResolver {
    platform_domain: Arc<str>,
    pub(super) db: DatabaseConnection,
    cache: Cache<String, Resolved>,
}

impl SiteResolver {
    /// A resolver for `platform_domain` over `db`.
    pub fn new(platform_domain: &str, db: DatabaseConnection) -> Self {
        let cache = Cache::builder().max_capacity(CAPACITY).time_to_live(TTL).build();
        SiteResolver { platform_domain: platform_domain.into(), db, cache }
    }

    /// The site `host` names: 404 `unknown_host`, 503 `tenant_suspended` otherwise.
    pub async fn resolve(&self, host: &str) -> Result<Site, Problem> {
        let name = HostName::classify(host, &self.platform_domain);
        let key = match &name {
            HostName::Platform => return Ok(Site::Platform),
            HostName::Invalid => return Err(Problem::unknown_host()),
            HostName::TownSlug(slug) => format!("slug:{slug}"),
            HostName::Custom(domain) => format!("domain:{domain}"),
        };
        let resolved = self.cache.try_get_with(key, self.lookup(name)).await.map_err(|e| (*e).clone())?;
        match resolved {
            Resolved::Site(site) => Ok(site),
            Resolved::Suspended => Err(Problem::tenant_suspended()),
            Resolved::Unknown => Err(Problem::unknown_host()),
        }
    }

    /// Forgets every cached resolution (after a town's status or domains change).
    pub fn invalidate_all(&self) {
        self.cache.invalidate_all();
    }

    async fn lookup(&self, name: HostName) -> Result<Resolved, Problem> {
        let query = tenant::Entity::find();
        let query = match name {
            HostName::TownSlug(slug) => query.filter(tenant::Column::Slug.eq(slug.as_ref())),
            HostName::Custom(domain) => query
                .join(JoinType::InnerJoin, tenant::Relation::TenantDomain.def())
                .filter(tenant_domain::Column::Domain.eq(domain)),
            HostName::Platform | HostName::Invalid => return Ok(Resolved::Unknown),
        };
        let Some(row) = query.one(&self.db).await? else {
            return Ok(Resolved::Unknown);
        };
        let status = match row.status.as_str() {
            "active" => TownStatus::Active,
            "suspended" => return Ok(Resolved::Suspended),
            // Towns awaiting verification or review, or rejected, have no public space.
            _ => return Ok(Resolved::Unknown),
        };
        Ok(Resolved::Site(Site::Town(Town {
            id: row.id,
            slug: row.slug,
            name: row.name,
            status,
            tokens_valid_after: row.tokens_valid_after,
            logo_url: row.logo_url,
        })))
    }
}
