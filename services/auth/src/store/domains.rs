//! A town's custom domains.
use chrono::Utc;
use common::TenantScope;
use entity::tenant_domain;
use sea_orm::{ConnectionTrait, DbErr, Set};
use uuid::Uuid;

/// Adds `domain` to the town of `scope`; a domain serves one town only.
pub async fn add(conn: &impl ConnectionTrait, scope: TenantScope, domain: &str) -> Result<(), DbErr> {
    let row = tenant_domain::ActiveModel {
        id: Set(Uuid::new_v4()),
        tenant_id: Set(scope.tenant_id()),
        domain: Set(domain.to_owned()),
        created_at: Set(Utc::now()),
    };
    scope.insert(conn, row).await.map(|_| ())
}
