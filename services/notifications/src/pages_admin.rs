//! The notification pages of the staff's console: announcements with a
//! preview and a test send, the delivery log, and the town's logo and colour.
use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;
use common::{
    AppState, Problem, Town,
    i18n::Text,
    page::{Form, FormData, Frame, Needs, Visitor, about_the_form, api},
    problem::FieldError,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::routes::{announcements, branding, deliveries};

/// Registers the pages (town host).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/announcements", web::get().to(announcements_page))
        .route("/admin/announcements", web::post().to(announce))
        .route("/admin/deliveries", web::get().to(deliveries_page))
        .route("/admin/branding", web::get().to(branding_page))
        .route("/admin/branding", web::post().to(save_branding));
}

#[derive(Template)]
#[template(path = "announcements.html")]
struct AnnouncementsPage {
    f: Frame,
    form: Form,
    preview: Option<(String, String)>,
}

fn announcements_form(
    v: &Visitor,
    form: Form,
    preview: Option<(String, String)>,
    status: StatusCode,
) -> Result<HttpResponse, Problem> {
    let page =
        AnnouncementsPage { f: v.frame(v.t("Annonces par e-mail", "E-mail announcements")), form, preview };
    v.render_with(status, &page)
}

async fn announcements_page(v: Visitor) -> Result<HttpResponse, Problem> {
    common::caller!(v, Needs::Admin);
    announcements_form(&v, Form::new(), None, StatusCode::OK)
}

/// Previews, sends a test to the admin, or (confirmed) sends to everyone.
async fn announce(
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let me = common::caller!(v, Needs::Admin);
    let action = data.get("action").to_owned();
    let body = |test: bool| {
        api::body(json!({ "subject": data.get("subject"), "body": data.get("body"), "test": test }))
    };
    let outcome = match action.as_str() {
        "preview" => match announcements::preview(town, me, state, body(false)?).await {
            Ok(res) => {
                let shown = api::json(res).await?;
                let text = |k: &str| shown.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
                let form = Form::typed(data);
                return announcements_form(&v, form, Some((text("subject"), text("text"))), StatusCode::OK);
            }
            Err(p) => Err(p),
        },
        "test" => announcements::send(town, me, state, body(true)?).await.map(|_| "test_sent"),
        _ if !data.has("confirm", "on") => Err(Problem::validation(vec![FieldError::new(
            "confirm",
            Text::fixed(
                "Cochez la case pour confirmer l’envoi à tous.",
                "Tick the box to confirm sending to everyone.",
            ),
        )])),
        _ => announcements::send(town, me, state, body(false)?).await.map(|_| "announced"),
    };
    match outcome {
        // A test keeps the text on the page, to send it for real next.
        Ok("test_sent") => {
            let mut form = Form::typed(data);
            form.errors.clear();
            let page = AnnouncementsPage {
                f: v.frame_with_notice(v.t("Annonces par e-mail", "E-mail announcements"), "test_sent"),
                form,
                preview: None,
            };
            v.render(&page)
        }
        Ok(notice) => Ok(v.redirect(&format!("/admin/announcements?ok={notice}"))),
        Err(p) if about_the_form(&p) => {
            let mut form = Form::typed(data);
            form.absorb(&p, v.lang, "subject", str::to_owned);
            announcements_form(&v, form, None, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(p) => Err(p),
    }
}

#[derive(Deserialize)]
struct DeliveryRow {
    recipient: String,
    status: String,
    attempts: i32,
    last_error: Option<String>,
    created_at: String,
}

#[derive(Template)]
#[template(path = "deliveries.html")]
struct DeliveriesPage {
    f: Frame,
    made: u64,
    quota: Option<i64>,
    by_status: Vec<(String, i64)>,
    statuses: Vec<&'static str>,
    filter: String,
    rows: Vec<DeliveryRow>,
}

#[derive(Deserialize)]
struct StatusQuery {
    #[serde(default)]
    status: String,
}

async fn deliveries_page(
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    query: web::Query<StatusQuery>,
) -> Result<HttpResponse, Problem> {
    let me = common::caller!(v, Needs::Admin);
    let statuses = deliveries::STATUSES.to_vec();
    let filter = query.into_inner().status;
    let filter = if statuses.contains(&filter.as_str()) { filter } else { String::new() };
    let q = if filter.is_empty() { "limit=50".to_owned() } else { format!("status={filter}&limit=50") };
    let params = web::Query::from_query(&q).map_err(Problem::internal)?;
    let log = api::json(deliveries::list(town, me, state, params).await?).await?;
    let by_status = log
        .pointer("/last_30_days/by_status")
        .and_then(Value::as_object)
        .map(|m: &Map<String, Value>| m.iter().map(|(k, v)| (k.clone(), v.as_i64().unwrap_or(0))).collect())
        .unwrap_or_default();
    let rows: Vec<DeliveryRow> =
        serde_json::from_value(log.get("deliveries").cloned().unwrap_or(Value::Null))
            .map_err(Problem::internal)?;
    let page = DeliveriesPage {
        f: v.frame(v.t("Journal des envois", "Delivery log")),
        made: log.pointer("/month/made").and_then(Value::as_u64).unwrap_or(0),
        quota: log.pointer("/month/quota").and_then(Value::as_i64),
        by_status,
        statuses,
        filter,
        rows,
    };
    v.render(&page)
}

#[derive(Template)]
#[template(path = "branding.html")]
struct BrandingPage {
    f: Frame,
    form: Form,
}

fn branding_form(v: &Visitor, form: Form, status: StatusCode) -> Result<HttpResponse, Problem> {
    v.render_with(status, &BrandingPage { f: v.frame(v.t("Logo et couleur", "Logo and colour")), form })
}

async fn branding_page(town: Town, state: web::Data<AppState>, v: Visitor) -> Result<HttpResponse, Problem> {
    let me = common::caller!(v, Needs::Admin);
    let stored = api::json(branding::get(town, me, state).await?).await?;
    let fields = ["logo_url", "color"]
        .iter()
        .filter_map(|k| stored.get(*k).and_then(Value::as_str).map(|v| ((*k).to_owned(), v.to_owned())))
        .collect();
    branding_form(&v, Form::typed(FormData(fields)), StatusCode::OK)
}

async fn save_branding(
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let me = common::caller!(v, Needs::Admin);
    let body =
        api::body(json!({ "logo_url": data.non_empty("logo_url"), "color": data.non_empty("color") }))?;
    match branding::put(town, me, state, body).await {
        Ok(_) => Ok(v.redirect("/admin/branding?ok=saved")),
        Err(p) if about_the_form(&p) => {
            let mut form = Form::typed(data);
            form.absorb(&p, v.lang, "color", str::to_owned);
            branding_form(&v, form, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(p) => Err(p),
    }
}
