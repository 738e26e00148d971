//! Statistics for town staff: participants, contributions, supports and
//! e-mails by day, and the same per consultation.
use actix_web::{HttpResponse, web};
use chrono::{Duration, NaiveDate, Utc};
use common::{AppState, Problem, Town, auth::Principal, i18n::Text, problem::FieldError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::store::stats::{self, Activity};

/// Registers the statistics route (town host).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/admin/stats", web::get().to(get));
}

/// Which period.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct StatsParams {
    /// Days back from today, 1 to 366; default 30.
    days: Option<i64>,
}

/// One day's activity; days without any are listed with zeros.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DayStats {
    day: NaiveDate,
    participants: usize,
    contributions: i64,
    supports: i64,
    emails: i64,
}

/// One consultation's activity over the period.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsultationStats {
    id: Uuid,
    title: String,
    kind: String,
    status: String,
    participants: usize,
    contributions: i64,
    supports: i64,
}

/// The period's activity.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StatsDto {
    from: NaiveDate,
    to: NaiveDate,
    /// Distinct people over the whole period (not the sum of the days).
    participants: usize,
    contributions: i64,
    supports: i64,
    emails: i64,
    by_day: Vec<DayStats>,
    by_consultation: Vec<ConsultationStats>,
}

/// Participants, contributions (responses, proposals, ballots, comments),
/// supports and e-mails sent, by day and by consultation.
#[utoipa::path(get, path = "/api/v1/admin/stats", tag = "results", params(StatsParams),
    responses((status = 200, body = StatsDto), (status = 400, description = "validation_failed"), (status = 403, description = "forbidden")))]
pub async fn get(
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    params: web::Query<StatsParams>,
) -> Result<HttpResponse, Problem> {
    principal.require_staff()?;
    let days = params.days.unwrap_or(30);
    if !(1..=366).contains(&days) {
        return Err(Problem::validation(vec![FieldError::new(
            "days",
            Text::fixed("De 1 à 366.", "From 1 to 366."),
        )]));
    }
    let to = Utc::now().date_naive();
    let from = to - Duration::days(days - 1);
    let start =
        from.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).ok_or_else(|| Problem::internal("start of day"))?;
    let found = stats::since(&state.db, town.scope(), start).await.map_err(Problem::internal)?;
    let mut everyone = std::collections::HashSet::new();
    let (mut contributions, mut supports, mut emails) = (0, 0, 0);
    let by_day: Vec<DayStats> = from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|day| {
            let a = found.by_day.get(&day).cloned().unwrap_or_default();
            everyone.extend(a.participants.iter().copied());
            contributions += a.contributions;
            supports += a.supports;
            emails += a.emails;
            day_stats(day, &a)
        })
        .collect();
    let by_consultation = found
        .by_consultation
        .into_iter()
        .map(|(c, a)| ConsultationStats {
            id: c.id,
            title: c.title,
            kind: c.kind,
            status: c.status,
            participants: a.participants.len(),
            contributions: a.contributions,
            supports: a.supports,
        })
        .collect();
    Ok(HttpResponse::Ok().json(StatsDto {
        from,
        to,
        participants: everyone.len(),
        contributions,
        supports,
        emails,
        by_day,
        by_consultation,
    }))
}

fn day_stats(day: NaiveDate, a: &Activity) -> DayStats {
    DayStats {
        day,
        participants: a.participants.len(),
        contributions: a.contributions,
        supports: a.supports,
        emails: a.emails,
    }
}
