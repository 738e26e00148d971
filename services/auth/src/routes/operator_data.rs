//! Exporting everything a town holds, and deleting it.
use actix_web::{HttpRequest, HttpResponse, web};
use common::{
    AppState, Problem, TenantScope,
    audit::{self, AuditEntry},
    auth::Principal,
    tenancy::PlatformHost,
};
use uuid::Uuid;

use crate::{
    routes::operator::{operator, wrong_state},
    store::{town_data, towns},
};

/// Registers export and delete (platform host).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/operator/tenants/{id}/export", web::get().to(export))
        .route("/api/v1/operator/tenants/{id}", web::delete().to(delete));
}

/// One zip: `<table>.json` and `<table>.csv` for every table of the town.
#[utoipa::path(get, path = "/api/v1/operator/tenants/{id}/export", tag = "operator",
    responses((status = 200, description = "application/zip"), (status = 404)))]
pub async fn export(
    req: HttpRequest,
    _: PlatformHost,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let actor = operator(&req, &principal, &state).await?;
    let id = id.into_inner();
    // One snapshot: the archive is consistent even while the town is in use.
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    let town = towns::by_id(&txn, id).await.map_err(Problem::internal)?.ok_or_else(Problem::not_found)?;
    let tables = town_data::export_tables(&txn, TenantScope::for_operator_action(id))
        .await
        .map_err(Problem::internal)?;
    let entry = AuditEntry {
        action: "tenant.export",
        tenant_id: Some(id),
        target_type: "tenant",
        target_id: Some(id.to_string()),
        details: None,
    };
    audit::record(&txn, &actor, entry).await.map_err(Problem::internal)?;
    txn.commit().await.map_err(Problem::internal)?;
    let zip = web::block(move || town_data::archive(&tables))
        .await
        .map_err(Problem::internal)?
        .map_err(Problem::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{}-export.zip\"", town.slug)))
        .body(zip))
}

/// Deletes a town that is not open (suspend it first) and every row it owns.
#[utoipa::path(delete, path = "/api/v1/operator/tenants/{id}", tag = "operator",
    responses((status = 204), (status = 404), (status = 409, description = "conflict: an active town is suspended first")))]
pub async fn delete(
    req: HttpRequest,
    _: PlatformHost,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let actor = operator(&req, &principal, &state).await?;
    let id = id.into_inner();
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    let town = towns::by_id(&txn, id).await.map_err(Problem::internal)?.ok_or_else(Problem::not_found)?;
    if town.status == "active" {
        return Err(wrong_state());
    }
    town_data::delete_town(&txn, TenantScope::for_operator_action(id)).await.map_err(Problem::internal)?;
    // The town's own audit lines go with it; the deletion is recorded for the platform.
    let details = serde_json::json!({ "slug": town.slug, "insee_code": town.insee_code, "name": town.name });
    let entry = AuditEntry {
        action: "tenant.delete",
        tenant_id: None,
        target_type: "tenant",
        target_id: Some(id.to_string()),
        details: Some(details),
    };
    audit::record(&txn, &actor, entry).await.map_err(Problem::internal)?;
    txn.commit().await.map_err(Problem::internal)?;
    state.resolver.forget_everywhere().await;
    Ok(HttpResponse::NoContent().finish())
}
