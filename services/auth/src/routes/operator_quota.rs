//! The operator sets how many news mails a town may send per month.
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use common::{
    AppState, Problem,
    audit::{self, AuditEntry},
    auth::Principal,
    i18n::Text,
    problem::FieldError,
    tenancy::PlatformHost,
};
use entity::tenant;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::routes::operator::operator;

/// Registers `PUT /api/v1/operator/tenants/{id}/mail-quota` (platform host).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/operator/tenants/{id}/mail-quota", web::put().to(set_quota));
}

/// The monthly ceiling; `null` removes it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct QuotaBody {
    /// 0 to 10,000,000 news mails per calendar month (UTC), or `null`.
    monthly_mails: Value,
}

/// Sets a town's monthly quota of news mails (account mails are never held back).
#[utoipa::path(put, path = "/api/v1/operator/tenants/{id}/mail-quota", tag = "operator", request_body = QuotaBody,
    responses((status = 200, description = "{id, monthly_mail_quota}"), (status = 400, description = "validation_failed"), (status = 403), (status = 404)))]
pub async fn set_quota(
    req: HttpRequest,
    _: PlatformHost,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<QuotaBody>,
) -> Result<HttpResponse, Problem> {
    let actor = operator(&req, &principal, &state).await?;
    let quota: Option<i32> = match &body.monthly_mails {
        Value::Null => None,
        Value::Number(n) => match n.as_u64().filter(|n| *n <= 10_000_000) {
            Some(n) => Some(i32::try_from(n).map_err(Problem::internal)?),
            None => return Err(bad()),
        },
        _ => return Err(bad()),
    };
    let id = id.into_inner();
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    let changed = tenant::Entity::update_many()
        .col_expr(tenant::Column::MonthlyMailQuota, Expr::value(quota))
        .col_expr(tenant::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(tenant::Column::Id.eq(id))
        .exec(&txn)
        .await
        .map_err(Problem::internal)?
        .rows_affected;
    if changed == 0 {
        return Err(Problem::not_found());
    }
    let entry = AuditEntry {
        action: "tenant.mail_quota",
        tenant_id: Some(id),
        target_type: "tenant",
        target_id: Some(id.to_string()),
        details: Some(json!({ "monthly_mails": quota })),
    };
    audit::record(&txn, &actor, entry).await.map_err(Problem::internal)?;
    txn.commit().await.map_err(Problem::internal)?;
    Ok(HttpResponse::Ok().json(json!({ "id": id, "monthly_mail_quota": quota })))
}

fn bad() -> Problem {
    Problem::validation(vec![FieldError::new(
        "monthly_mails",
        Text::fixed("Un nombre de 0 à 10 000 000, ou null.", "A number from 0 to 10,000,000, or null."),
    )])
}
