//! Custom domains: a town served under its own name as well as its slug host.
use actix_web::{HttpRequest, HttpResponse, web};
use common::{
    AppState, Problem, TenantScope,
    audit::{self, AuditEntry},
    auth::Principal,
    i18n::Text,
    problem::FieldError,
    tenancy::{HostName, PlatformHost},
};
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    routes::operator::operator,
    store::{domains, towns},
};

/// Registers `POST /api/v1/operator/tenants/{id}/domains` (platform host).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/operator/tenants/{id}/domains", web::post().to(add_domain));
}

/// A custom domain for a town.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DomainBody {
    domain: String,
}

/// Adds a custom domain that serves the town as its slug host does.
#[utoipa::path(post, path = "/api/v1/operator/tenants/{id}/domains", tag = "operator", request_body = DomainBody,
    responses((status = 201), (status = 400, description = "validation_failed"), (status = 404)))]
pub async fn add_domain(
    req: HttpRequest,
    _: PlatformHost,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<DomainBody>,
) -> Result<HttpResponse, Problem> {
    let actor = operator(&req, &principal, &state).await?;
    let bad = |fr: &'static str, en: &'static str| {
        Problem::validation(vec![FieldError::new("domain", Text::fixed(fr, en))])
    };
    let wanted = body.domain.trim().trim_end_matches('.').to_ascii_lowercase();
    let domain = match HostName::classify(&wanted, &state.config.platform_domain) {
        HostName::Custom(name) if name == wanted && name.contains('.') => name,
        _ => {
            return Err(bad(
                "Un nom de domaine comme participation.hanches.fr, hors du domaine de la plateforme.",
                "A domain such as participation.hanches.fr, outside the platform's domain.",
            ));
        }
    };
    let id = id.into_inner();
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    if towns::by_id(&txn, id).await.map_err(Problem::internal)?.is_none() {
        return Err(Problem::not_found());
    }
    domains::add(&txn, TenantScope::for_operator_action(id), &domain).await.map_err(|e| {
        match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                bad("Ce domaine sert déjà une commune.", "This domain already serves a town.")
            }
            _ => Problem::internal(e),
        }
    })?;
    let entry = AuditEntry {
        action: "tenant.add_domain",
        tenant_id: Some(id),
        target_type: "tenant",
        target_id: Some(id.to_string()),
        details: Some(serde_json::json!({ "domain": domain })),
    };
    audit::record(&txn, &actor, entry).await.map_err(Problem::internal)?;
    txn.commit().await.map_err(Problem::internal)?;
    state.resolver.forget_everywhere().await;
    Ok(HttpResponse::Created().json(serde_json::json!({ "tenant_id": id, "domain": domain })))
}
