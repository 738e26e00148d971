//! One consultation in the staff's console: its questions, editing the draft,
//! publishing, closing and publishing the outcome.
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use askama::Template;
use common::{
    AppState, Problem, Town,
    page::{Form, FormData, Frame, Needs, Visitor, api},
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    ConsultationView, QuestionView, about_the_form,
    admin::{ConsultationForm, consultation_body, page_field},
    consultation::{kind_label, phase_label},
    read,
};
use super::{
    budget::Budget,
    ideas::Ideas,
    public_part::{self, Comments, PublicPart},
};
use crate::routes::{
    budget as budget_routes, manage, proposals, questionnaire, read as read_routes, results,
};

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/consultations/{id}", web::get().to(show))
        .route("/admin/consultations/{id}/edit", web::get().to(edit_page))
        .route("/admin/consultations/{id}/edit", web::post().to(edit))
        .route("/admin/consultations/{id}/questions", web::post().to(add_question))
        .route("/admin/consultations/{id}/projects", web::post().to(add_project))
        .route("/admin/consultations/{id}/proposals/{proposal}/answer", web::post().to(answer))
        .route("/admin/consultations/{id}/publish", web::post().to(publish))
        .route("/admin/consultations/{id}/close", web::post().to(close))
        .route("/admin/consultations/{id}/results", web::post().to(publish_results));
}

#[derive(Template)]
#[template(path = "admin_consultation.html")]
struct ManagePage<'a> {
    f: Frame,
    c: ConsultationView,
    kind_label: &'static str,
    phase_label: &'static str,
    questions: Vec<QuestionView>,
    ideas: Option<Ideas<'a>>,
    budget: Option<Budget<'a>>,
    form: Form,
}

async fn render(
    town: &Town,
    state: &web::Data<AppState>,
    v: &Visitor,
    id: Uuid,
    form: Form,
    status: StatusCode,
) -> Result<HttpResponse, Problem> {
    let who = v.principal().cloned();
    // Staff see drafts: their view is read every time, never kept.
    let PublicPart { c, questions, proposals, projects, .. } =
        public_part::read_part(town, state, &who, id, "", Comments::Skipped).await?;
    let ideas = match c.kind.as_str() {
        "proposals" => {
            Some(super::ideas::with_supports(town, state, who.as_ref(), &proposals, String::new()).await?)
        }
        _ => None,
    };
    let budget = match c.kind.as_str() {
        "budget" => Some(
            super::budget::with_ballot(town, state, who.as_ref(), id, &projects, c.budget_cents.unwrap_or(0))
                .await?,
        ),
        _ => None,
    };
    let page = ManagePage {
        f: v.frame(c.title.clone()),
        kind_label: kind_label(v, &c.kind),
        phase_label: phase_label(v, &c.phase),
        c,
        questions,
        ideas,
        budget,
        form,
    };
    v.render_with(status, &page)
}

async fn show(
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    common::caller!(v, Needs::Staff);
    render(&town, &state, &v, id.into_inner(), Form::new(), StatusCode::OK).await
}

fn local_input(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    at.map(|t| t.with_timezone(&chrono_tz::Europe::Paris).format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

fn edit_form(v: &Visitor, id: Uuid, form: Form, status: StatusCode) -> Result<HttpResponse, Problem> {
    let page = ConsultationForm {
        f: v.frame(v.t("Modifier la consultation", "Edit the consultation")),
        form,
        action: format!("/admin/consultations/{id}/edit"),
        with_kind: false,
        button: v.t("Enregistrer", "Save"),
    };
    v.render_with(status, &page)
}

async fn edit_page(
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    common::caller!(v, Needs::Staff);
    let id = id.into_inner();
    let c: ConsultationView =
        read(read_routes::get(town, v.principal().cloned(), state, web::Path::from(id)).await).await?;
    let data = common::page::FormData(vec![
        ("kind".into(), c.kind.clone()),
        ("title".into(), c.title.clone()),
        ("summary".into(), c.summary.clone()),
        ("body".into(), c.body_markdown.clone().unwrap_or_default()),
        ("opens_at".into(), local_input(c.opens_at)),
        ("closes_at".into(), local_input(c.closes_at)),
    ]);
    edit_form(&v, id, Form::typed(data), StatusCode::OK)
}

async fn edit(
    req: HttpRequest,
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<Uuid>,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let me = common::caller!(v, Needs::Staff);
    let id = id.into_inner();
    let body = match consultation_body(&v, &data) {
        Ok(body) => body,
        Err(form) => return edit_form(&v, id, form, StatusCode::UNPROCESSABLE_ENTITY),
    };
    match manage::edit(req, town, me, state, web::Path::from(id), api::body(body)?).await {
        Ok(_) => Ok(v.redirect(&format!("/admin/consultations/{id}?ok=saved"))),
        Err(p) if about_the_form(&p) => {
            let mut form = Form::typed(data);
            form.absorb(&p, v.lang, "title", page_field);
            edit_form(&v, id, form, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(p) => Err(p),
    }
}

/// Runs one of the console's actions and comes back to the page, with the
/// form shown again if the action was refused.
async fn after(
    town: &Town,
    state: &web::Data<AppState>,
    v: &Visitor,
    id: Uuid,
    outcome: Result<HttpResponse, Problem>,
    data: FormData,
    notice: &str,
) -> Result<HttpResponse, Problem> {
    // Where each action's refusals land on the page.
    let rename = match notice {
        "question" => question_field,
        "project" => |f: &str| match f {
            "title" => "project_title".to_owned(),
            "cost_cents" => "cost".to_owned(),
            f => f.to_owned(),
        },
        "results" => |_: &str| "results".to_owned(),
        _ => str::to_owned,
    };
    match outcome {
        Ok(_) => Ok(v.redirect(&format!("/admin/consultations/{id}?ok={notice}"))),
        Err(p) if about_the_form(&p) => {
            let mut form = Form::typed(data);
            form.absorb(&p, v.lang, "label", rename);
            render(town, state, v, id, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(p) => Err(p),
    }
}

fn question_field(api_field: &str) -> String {
    match api_field {
        "kind" => "question_kind".to_owned(),
        f if f.starts_with("options") => "options".to_owned(),
        f => f.to_owned(),
    }
}

async fn add_question(
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<Uuid>,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let me = common::caller!(v, Needs::Staff);
    let id = id.into_inner();
    let options: Vec<&str> = data.get("options").lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let number = |name: &str| {
        data.non_empty(name).map(|raw| raw.parse::<i32>().map_or(Value::String(raw), Value::from))
    };
    let body = json!({
        "kind": data.get("question_kind"), "label": data.get("label"), "required": data.has("required", "on"),
        "options": options, "min": number("min"), "max": number("max"),
    });
    let outcome = match api::body(body) {
        Ok(body) => questionnaire::add(town.clone(), me, state.clone(), web::Path::from(id), body).await,
        Err(_) => Err(Problem::validation(vec![common::problem::FieldError::new(
            "min",
            common::i18n::Text::fixed("Un nombre entier.", "A whole number."),
        )])),
    };
    after(&town, &state, &v, id, outcome, data, "question").await
}

async fn publish(
    req: HttpRequest,
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<Uuid>,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let me = common::caller!(v, Needs::Staff);
    let id = id.into_inner();
    let outcome = manage::publish(req, town.clone(), me, state.clone(), web::Path::from(id)).await;
    after(&town, &state, &v, id, outcome, data, "published").await
}

async fn close(
    req: HttpRequest,
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<Uuid>,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let me = common::caller!(v, Needs::Staff);
    let id = id.into_inner();
    let outcome = manage::close(req, town.clone(), me, state.clone(), web::Path::from(id)).await;
    after(&town, &state, &v, id, outcome, data, "closed").await
}

async fn publish_results(
    req: HttpRequest,
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<Uuid>,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let me = common::caller!(v, Needs::Staff);
    let id = id.into_inner();
    let body = api::body(json!({ "body": data.get("results") }))?;
    let outcome = results::publish(req, town.clone(), me, state.clone(), web::Path::from(id), body).await;
    after(&town, &state, &v, id, outcome, data, "results").await
}

async fn add_project(
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<Uuid>,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let me = common::caller!(v, Needs::Staff);
    let id = id.into_inner();
    let cost = data.non_empty("cost").map(|raw| raw.replace([' ', '\u{202f}'], "").parse::<i64>());
    let outcome = match cost {
        Some(Ok(euros)) => {
            let body = json!({
                "title": data.get("project_title"), "description": data.get("description"),
                "cost_cents": euros.saturating_mul(100),
            });
            budget_routes::add(town.clone(), me, state.clone(), web::Path::from(id), api::body(body)?).await
        }
        _ => Err(Problem::validation(vec![common::problem::FieldError::new(
            "cost_cents",
            common::i18n::Text::fixed("Un nombre entier d’euros.", "A whole number of euros."),
        )])),
    };
    after(&town, &state, &v, id, outcome, data, "project").await
}

async fn answer(
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    path: web::Path<(Uuid, Uuid)>,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let me = common::caller!(v, Needs::Staff);
    let (id, proposal) = path.into_inner();
    let body = api::body(json!({ "status": data.get("status"), "answer": data.get("answer") }))?;
    let outcome = proposals::answer(town.clone(), me, state.clone(), web::Path::from(proposal), body).await;
    after(&town, &state, &v, id, outcome, data, "answered").await
}
