//! The audit log, newest first, for operators.
use actix_web::{HttpRequest, HttpResponse, web};
use common::{AppState, Problem, auth::Principal, tenancy::PlatformHost};
use entity::audit_log;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::routes::operator::operator;

/// Registers `GET /api/v1/operator/audit`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/operator/audit", web::get().to(audit));
}

/// Which lines, and how many.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuditParams {
    /// Only this town's lines.
    tenant_id: Option<Uuid>,
    /// 1 to 500, default 100.
    limit: Option<u64>,
    /// Lines older than this one (its id), for the next page.
    before: Option<Uuid>,
}

/// One action.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditDto {
    id: Uuid,
    at: chrono::DateTime<chrono::Utc>,
    actor: String,
    action: String,
    tenant_id: Option<Uuid>,
    target_type: String,
    target_id: Option<String>,
    ip: Option<String>,
    details: Option<serde_json::Value>,
}

/// Who did what, when, on which town, from where.
#[utoipa::path(get, path = "/api/v1/operator/audit", tag = "operator", params(AuditParams),
    responses((status = 200, body = [AuditDto]), (status = 403, description = "forbidden")))]
pub async fn audit(
    req: HttpRequest,
    _: PlatformHost,
    principal: Principal,
    state: web::Data<AppState>,
    params: web::Query<AuditParams>,
) -> Result<HttpResponse, Problem> {
    operator(&req, &principal, &state).await?;
    // Ids are UUIDv7, so their order is the order of the actions.
    let mut query = audit_log::Entity::find().order_by_desc(audit_log::Column::Id);
    if let Some(town) = params.tenant_id {
        query = query.filter(audit_log::Column::TenantId.eq(town));
    }
    if let Some(before) = params.before {
        query = query.filter(audit_log::Column::Id.lt(before));
    }
    let rows = query
        .limit(params.limit.unwrap_or(100).clamp(1, 500))
        .all(&state.db)
        .await
        .map_err(Problem::internal)?;
    let lines: Vec<AuditDto> = rows
        .into_iter()
        .map(|r| AuditDto {
            id: r.id,
            at: r.created_at,
            actor: r.actor,
            action: r.action,
            tenant_id: r.tenant_id,
            target_type: r.target_type,
            target_id: r.target_id,
            ip: r.ip,
            details: r.details,
        })
        .collect();
    Ok(HttpResponse::Ok().json(lines))
}
