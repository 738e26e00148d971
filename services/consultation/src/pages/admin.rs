//! The staff's console: figures of the last 30 days, every consultation
//! (drafts too), and creating one.
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use askama::Template;
use chrono::{NaiveDateTime, TimeZone, Utc};
use common::{
    AppState, Problem, Town,
    auth::Role,
    page::{Form, FormData, Frame, Needs, Visitor, api},
};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{about_the_form, consultation::phase_label, read};
use crate::routes::{manage, stats};

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin", web::get().to(dashboard))
        .route("/admin/consultations/new", web::get().to(new_page))
        .route("/admin/consultations/new", web::post().to(create));
}

#[derive(Deserialize)]
struct StatsView {
    participants: u64,
    contributions: i64,
    supports: i64,
    emails: i64,
    by_consultation: Vec<ConsultationStatsView>,
}

#[derive(Deserialize)]
struct ConsultationStatsView {
    id: Uuid,
    participants: u64,
}

struct Row {
    id: Uuid,
    title: String,
    kind: &'static str,
    phase: &'static str,
    participants: u64,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct Dashboard {
    f: Frame,
    admin: bool,
    stats: StatsView,
    rows: Vec<Row>,
}

async fn dashboard(town: Town, state: web::Data<AppState>, v: Visitor) -> Result<HttpResponse, Problem> {
    let me = common::caller!(v, Needs::Staff);
    let params = web::Query::from_query("days=30").map_err(Problem::internal)?;
    let stats: StatsView = read(stats::get(town.clone(), me.clone(), state.clone(), params).await).await?;
    let all = crate::store::consultations::list(
        &state.db,
        town.scope(),
        crate::store::consultations::Listing::All,
        false,
        100,
        0,
    )
    .await
    .map_err(Problem::internal)?;
    let now = Utc::now();
    let rows = all
        .into_iter()
        .map(|c| {
            let phase = crate::domain::status::phase(&c.status, c.opens_at, c.closes_at, now);
            Row {
                participants: stats
                    .by_consultation
                    .iter()
                    .find(|s| s.id == c.id)
                    .map_or(0, |s| s.participants),
                id: c.id,
                kind: super::consultation::kind_label(&v, &c.kind),
                phase: phase_label(&v, phase),
                title: c.title,
            }
        })
        .collect();
    v.render(&Dashboard {
        f: v.frame(v.t("Administration", "Administration")),
        admin: me.role == Role::Admin,
        stats,
        rows,
    })
}

#[derive(Template)]
#[template(path = "admin_new.html")]
pub(super) struct ConsultationForm {
    pub f: Frame,
    pub form: Form,
    pub action: String,
    pub with_kind: bool,
    pub button: &'static str,
}

async fn new_page(v: Visitor) -> Result<HttpResponse, Problem> {
    common::caller!(v, Needs::Staff);
    let page = ConsultationForm {
        f: v.frame(v.t("Nouvelle consultation", "New consultation")),
        form: Form::new(),
        action: "/admin/consultations/new".into(),
        with_kind: true,
        button: v.t("Créer le brouillon", "Create the draft"),
    };
    v.render(&page)
}

/// A `datetime-local` value read as Paris time.
fn paris_time(raw: &str) -> Option<chrono::DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    chrono_tz::Europe::Paris.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc))
}

/// The API's body from the form, or the fields the page itself refuses.
pub(super) fn consultation_body(v: &Visitor, data: &FormData) -> Result<Value, Form> {
    let mut form = Form::typed(data.clone());
    let mut time = |name: &str| match data.non_empty(name) {
        None => None,
        Some(raw) => {
            let parsed = paris_time(&raw);
            if parsed.is_none() {
                form.fail(name, v.t("Date et heure attendues.", "A date and time are expected."));
            }
            parsed
        }
    };
    let opens_at = time("opens_at");
    let closes_at = time("closes_at");
    let budget_cents = match data.non_empty("budget") {
        None => None,
        Some(raw) => match raw.replace([' ', '\u{202f}'], "").parse::<i64>() {
            Ok(euros) => Some(euros.saturating_mul(100)),
            Err(_) => {
                form.fail("budget", v.t("Un nombre entier d’euros.", "A whole number of euros."));
                None
            }
        },
    };
    if form.has_errors() {
        return Err(form);
    }
    let categories: Vec<&str> =
        data.get("categories").lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    Ok(json!({
        "title": data.get("title"), "summary": data.get("summary"), "body": data.get("body"),
        "kind": data.get("kind"), "opens_at": opens_at, "closes_at": closes_at,
        "budget_cents": budget_cents, "categories": categories,
    }))
}

/// The page's name for an API field of a consultation.
pub(super) fn page_field(api_field: &str) -> String {
    match api_field {
        "budget_cents" => "budget".to_owned(),
        f if f.starts_with("categories") => "categories".to_owned(),
        f => f.to_owned(),
    }
}

async fn create(
    req: HttpRequest,
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let me = common::caller!(v, Needs::Staff);
    let refused = |form: Form| {
        let page = ConsultationForm {
            f: v.frame(v.t("Nouvelle consultation", "New consultation")),
            form,
            action: "/admin/consultations/new".into(),
            with_kind: true,
            button: v.t("Créer le brouillon", "Create the draft"),
        };
        v.render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
    };
    let body = match consultation_body(&v, &data) {
        Ok(body) => body,
        Err(form) => return refused(form),
    };
    match manage::create(req, town, me, state, api::body(body)?).await {
        Ok(res) => {
            let created = api::json(res).await?;
            let id = created.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
            Ok(v.redirect(&format!("/admin/consultations/{id}?ok=created")))
        }
        Err(p) if about_the_form(&p) => {
            let mut form = Form::typed(data);
            form.absorb(&p, v.lang, "title", page_field);
            refused(form)
        }
        Err(p) => Err(p),
    }
}

#[cfg(test)]
mod tests {
    use super::paris_time;

    #[test]
    fn form_times_are_paris_times() {
        let winter = paris_time("2026-12-01T10:00").unwrap();
        assert_eq!(winter.to_rfc3339(), "2026-12-01T09:00:00+00:00");
        let summer = paris_time("2026-07-01T10:00").unwrap();
        assert_eq!(summer.to_rfc3339(), "2026-07-01T08:00:00+00:00");
        assert!(paris_time("tomorrow").is_none());
    }
}
