//! The town's pages: its home, each consultation as citizens take part in it,
//! results with charts, and the staff's console. Forms go through the API's
//! own handlers, so a page and an API client meet the same rules.
use actix_web::web;
use chrono::{DateTime, Utc};
use common::{Problem, page::api};
use serde::Deserialize;
use uuid::Uuid;

pub(crate) use common::page::about_the_form;

mod admin;
mod admin_consultation;
mod budget;
mod chart;
mod comments;
mod consultation;
mod home;
mod ideas;
mod moderation;
mod public_part;
mod results;

/// Registers the pages (town host).
pub fn configure(cfg: &mut web::ServiceConfig) {
    home::configure(cfg);
    consultation::configure(cfg);
    comments::configure(cfg);
    ideas::configure(cfg);
    budget::configure(cfg);
    results::configure(cfg);
    admin::configure(cfg);
    moderation::configure(cfg);
    admin_consultation::configure(cfg);
}

/// A consultation as the API gives it, read back for a page.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ConsultationView {
    pub id: Uuid,
    pub kind: String,
    pub phase: String,
    pub title: String,
    pub summary: String,
    pub body_html: String,
    #[serde(default)]
    pub body_markdown: Option<String>,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub budget_cents: Option<i64>,
    #[serde(default)]
    pub categories: Vec<String>,
}

impl ConsultationView {
    /// Whether it takes part now.
    pub fn is_open(&self) -> bool {
        self.phase == "open"
    }
}

/// A question as the API gives it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct QuestionView {
    pub id: Uuid,
    pub kind: String,
    pub label: String,
    pub required: bool,
    pub min: Option<i32>,
    pub max: Option<i32>,
    pub options: Vec<OptionView>,
}

/// A question's option.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct OptionView {
    pub id: Uuid,
    pub label: String,
}

impl QuestionView {
    /// The form field of this question.
    pub fn field(&self) -> String {
        format!("q-{}", self.id)
    }

    /// The values a scale offers.
    pub fn scale(&self) -> Vec<i32> {
        match (self.min, self.max) {
            (Some(min), Some(max)) if min <= max && max - min <= 20 => (min..=max).collect(),
            _ => Vec::new(),
        }
    }
}

/// Reads a handler's JSON answer into `T`.
pub(crate) async fn read<T: serde::de::DeserializeOwned>(
    res: Result<actix_web::HttpResponse, Problem>,
) -> Result<T, Problem> {
    serde_json::from_value(api::json(res?).await?).map_err(Problem::internal)
}

/// A date as French pages write it, in the town's time zone.
pub(crate) fn day(at: &DateTime<Utc>) -> String {
    at.with_timezone(&chrono_tz::Europe::Paris).format("%d/%m/%Y").to_string()
}
