//! Exports for town admins: every contribution of a consultation as CSV
//! (formulas neutralised) or JSON.
use actix_web::{HttpResponse, web};
use chrono::Utc;
use common::{AppState, Problem, Town, auth::Principal};
use serde_json::json;
use uuid::Uuid;

use entity::consultation;

use crate::{
    domain::export::Table,
    routes::access::{Viewer, visible},
    store::{consultations, exports},
};

/// Registers the export routes on one consultation, inside its scope (town host).
pub fn on_consultation(cfg: &mut web::ServiceConfig) {
    cfg.route("/export.csv", web::get().to(csv)).route("/export.json", web::get().to(json_export));
}

/// The consultation and its table, for admins only.
async fn table_of(
    town: &Town,
    principal: &Principal,
    state: &AppState,
    id: Uuid,
) -> Result<(consultation::Model, Table), Problem> {
    principal.require_admin()?;
    let c = visible(state, town, Viewer::Staff, id).await?;
    let table = exports::table(&state.db, town.scope(), c.id, &c.kind).await.map_err(Problem::internal)?;
    Ok((c, table))
}

fn filename(id: Uuid, ext: &str) -> String {
    format!("attachment; filename=\"consultation-{id}.{ext}\"")
}

/// One row per response (questionnaire), proposal (idea box) or ballot (budget).
#[utoipa::path(get, path = "/api/v1/consultations/{id}/export.csv", tag = "results",
    responses((status = 200, content_type = "text/csv", description = "cells starting with = + - @ tab or CR are prefixed with '"), (status = 403), (status = 404)))]
pub async fn csv(
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let (c, table) = table_of(&town, &principal, &state, id.into_inner()).await?;
    // A byte-order mark so that spreadsheet software reads the accents right.
    let mut body = "\u{feff}".as_bytes().to_vec();
    body.extend(table.to_csv().map_err(Problem::internal)?);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", filename(c.id, "csv")))
        .body(body))
}

/// The same rows as JSON, with the consultation they belong to.
#[utoipa::path(get, path = "/api/v1/consultations/{id}/export.json", tag = "results",
    responses((status = 200, description = "{consultation, columns, rows}"), (status = 403), (status = 404)))]
pub async fn json_export(
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let (c, table) = table_of(&town, &principal, &state, id.into_inner()).await?;
    let doc = json!({
        "exported_at": Utc::now(),
        "consultation": {
            "id": c.id, "kind": c.kind, "status": c.status, "title": c.title,
            "categories": consultations::categories(&c), "opens_at": c.opens_at, "closes_at": c.closes_at,
        },
        "columns": table.columns.iter().map(|(key, label)| json!({ "key": key, "label": label })).collect::<Vec<_>>(),
        "rows": table.to_json(),
    });
    Ok(HttpResponse::Ok().insert_header(("Content-Disposition", filename(c.id, "json"))).json(doc))
}
