//! The delivery log for town admins: what the town's mail became, and why
//! some did not go (the SMTP server's answer, an unsubscribe, the quota).
use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use chrono::{Duration, Utc};
use common::{AppState, Problem, Town, auth::Principal, i18n::Text, paging::Page, problem::FieldError};
use entity::{delivery, tenant};
use sea_orm::EntityTrait;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::store::{self, log, status};

/// Registers the delivery log (town host).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/admin/deliveries", web::get().to(list));
}

pub const STATUSES: [&str; 6] =
    [status::QUEUED, status::SENT, status::FAILED, status::DEAD, status::UNSUBSCRIBED, status::OVER_QUOTA];

/// Which deliveries to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct LogParams {
    /// `queued`, `sent`, `failed`, `dead`, `unsubscribed` or `over_quota`.
    status: Option<String>,
    /// 1 to 100, default 50.
    limit: Option<u64>,
    /// 0 to 1,000,000.
    offset: Option<u64>,
}

fn row(d: delivery::Model) -> Value {
    json!({
        "id": d.id, "event_id": d.event_id, "recipient": d.recipient, "status": d.status,
        "attempts": d.attempts, "last_error": d.last_error, "created_at": d.created_at, "sent_at": d.sent_at,
    })
}

fn counts(rows: &[(String, i64)]) -> Value {
    Value::Object(rows.iter().map(|(s, n)| (s.clone(), json!(n))).collect())
}

/// The month's count against the quota, the last 30 days by status and by
/// day, the latest 20 mailings, the latest failures with the server's answer,
/// and a page of deliveries (newest first).
#[utoipa::path(get, path = "/api/v1/admin/deliveries", tag = "notifications", params(LogParams),
    responses((status = 200, description = "{month, last_30_days, events, recent_failures, deliveries}"),
        (status = 400, description = "validation_failed"), (status = 403, description = "forbidden")))]
pub async fn list(
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    params: web::Query<LogParams>,
) -> Result<HttpResponse, Problem> {
    principal.require_admin()?;
    let mut errors = Vec::new();
    if params.status.as_deref().is_some_and(|s| !STATUSES.contains(&s)) {
        errors.push(FieldError::new(
            "status",
            Text::fixed("Un statut d’envoi connu.", "A known delivery status."),
        ));
    }
    let page = Page::check(params.limit, params.offset, 50).map_err(|more| errors.extend(more)).ok();
    let (Some(Page { limit, offset }), true) = (page, errors.is_empty()) else {
        return Err(Problem::validation(errors));
    };
    let (db, scope) = (&state.db, town.scope());
    let since = Utc::now() - Duration::days(30);
    let quota = tenant::Entity::find_by_id(town.id)
        .one(db)
        .await
        .map_err(Problem::internal)?
        .and_then(|t| t.monthly_mail_quota);
    let made = store::made_this_month(db, town.id).await.map_err(Problem::internal)?;
    let by_status = log::by_status(db, scope, since).await.map_err(Problem::internal)?;
    let mut by_day: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for (day, status, n) in log::by_day(db, scope, since).await.map_err(Problem::internal)? {
        by_day.entry(day).or_default().insert(status, n);
    }
    let events: Vec<Value> = log::by_event(db, scope, 20)
        .await
        .map_err(Problem::internal)?
        .into_iter()
        .map(|(e, c)| {
            let subject = e.payload.pointer("/mail/params/subject").cloned().unwrap_or(Value::Null);
            json!({ "id": e.id, "kind": e.kind, "subject": subject, "created_at": e.created_at, "deliveries": counts(&c) })
        })
        .collect();
    let mut failures = log::page(db, scope, Some(status::FAILED), 20, 0).await.map_err(Problem::internal)?;
    failures.extend(log::page(db, scope, Some(status::DEAD), 20, 0).await.map_err(Problem::internal)?);
    failures.sort_by_key(|d| std::cmp::Reverse(d.updated_at));
    failures.truncate(20);
    let page =
        log::page(db, scope, params.status.as_deref(), limit, offset).await.map_err(Problem::internal)?;
    Ok(HttpResponse::Ok().json(json!({
        "month": { "made": made, "quota": quota },
        "last_30_days": {
            "by_status": counts(&by_status),
            "by_day": by_day.into_iter().map(|(day, c)| json!({ "day": day, "deliveries": c })).collect::<Vec<_>>(),
        },
        "events": events,
        "recent_failures": failures.into_iter().map(row).collect::<Vec<_>>(),
        "deliveries": page.into_iter().map(row).collect::<Vec<_>>(),
    })))
}
