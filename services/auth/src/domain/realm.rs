//! Whose accounts a request deals with: one town's, or the platform's operators.
use common::{Site, TenantScope};
use uuid::Uuid;

/// The accounts reachable from a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Realm {
    /// Operators, on the platform host.
    Platform,
    /// One town's accounts, on its hosts.
    Town(TenantScope),
}

impl Realm {
    /// The realm of the host a request came to.
    pub fn of(site: &Site) -> Realm {
        match site {
            Site::Platform => Realm::Platform,
            Site::Town(town) => Realm::Town(town.scope()),
        }
    }

    /// The town, if any.
    pub fn tenant_id(&self) -> Option<Uuid> {
        match self {
            Realm::Platform => None,
            Realm::Town(scope) => Some(scope.tenant_id()),
        }
    }

    /// The scope for the outbox.
    pub fn scope(&self) -> Option<TenantScope> {
        match self {
            Realm::Platform => None,
            Realm::Town(scope) => Some(*scope),
        }
    }
}
