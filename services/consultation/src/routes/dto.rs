//! A consultation as the API shows it.
use chrono::{DateTime, Utc};
use entity::consultation;
use serde::Serialize;
use uuid::Uuid;

use crate::{domain::status::phase, store::consultations};

/// One consultation; the Markdown source is shown to staff only.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsultationDto {
    id: Uuid,
    kind: String,
    status: String,
    /// `draft`, `upcoming`, `open`, `closed` or `archived`, by the clock.
    phase: &'static str,
    title: String,
    summary: String,
    body_html: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    body_markdown: Option<String>,
    audience: String,
    opens_at: Option<DateTime<Utc>>,
    closes_at: Option<DateTime<Utc>>,
    budget_cents: Option<i64>,
    categories: Vec<String>,
    /// The results text, once the town has published it.
    results_html: Option<String>,
    results_published_at: Option<DateTime<Utc>>,
    published_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl ConsultationDto {
    /// The row as `staff` or the public see it at `now`.
    pub fn of(c: consultation::Model, staff: bool, now: DateTime<Utc>) -> Self {
        ConsultationDto {
            phase: phase(&c.status, c.opens_at, c.closes_at, now),
            categories: consultations::categories(&c),
            id: c.id,
            kind: c.kind,
            status: c.status,
            title: c.title,
            summary: c.summary,
            body_html: c.body_html,
            body_markdown: staff.then_some(c.body_markdown),
            audience: c.audience,
            opens_at: c.opens_at,
            closes_at: c.closes_at,
            budget_cents: c.budget_cents,
            results_html: c.results_html,
            results_published_at: c.results_published_at,
            published_at: c.published_at,
            closed_at: c.closed_at,
            created_at: c.created_at,
        }
    }
}
