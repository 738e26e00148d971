//! The moderation queue: reported comments, most reported first, hidden with
//! a reason shown in their place, or restored; and reporting from the page.
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use askama::Template;
use common::{
    AppState, Problem, Town,
    page::{Form, FormData, Frame, Needs, Visitor, api},
};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{about_the_form, comments::CommentView, read};
use crate::routes::{comments as comment_routes, moderation};

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/moderation", web::get().to(queue))
        .route("/admin/moderation/{comment}/hide", web::post().to(hide))
        .route("/admin/moderation/{comment}/restore", web::post().to(restore))
        .route("/consultations/{id}/report/{comment}", web::post().to(report));
}

#[derive(Deserialize)]
struct QueuedView {
    #[serde(flatten)]
    comment: CommentView,
    consultation_id: Uuid,
    body_markdown: String,
    report_reasons: Vec<String>,
}

#[derive(Template)]
#[template(path = "moderation.html")]
struct QueuePage {
    f: Frame,
    hidden: bool,
    items: Vec<QueuedView>,
    form: Form,
}

#[derive(Deserialize)]
struct StatusQuery {
    status: Option<String>,
}

async fn show(
    town: Town,
    state: web::Data<AppState>,
    v: &Visitor,
    hidden: bool,
    form: Form,
    status: StatusCode,
) -> Result<HttpResponse, Problem> {
    let me = common::caller!(v, Needs::Staff);
    let query = if hidden { "status=hidden&limit=100" } else { "status=reported&limit=100" };
    let params = web::Query::from_query(query).map_err(Problem::internal)?;
    let items: Vec<QueuedView> = read(moderation::queue(town, me, state, params).await).await?;
    let page = QueuePage { f: v.frame(v.t("Modération", "Moderation")), hidden, items, form };
    v.render_with(status, &page)
}

async fn queue(
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    query: web::Query<StatusQuery>,
) -> Result<HttpResponse, Problem> {
    let hidden = query.into_inner().status.as_deref() == Some("hidden");
    show(town, state, &v, hidden, Form::new(), StatusCode::OK).await
}

async fn hide(
    req: HttpRequest,
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    comment: web::Path<Uuid>,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let me = common::caller!(v, Needs::Staff);
    let body = api::body(json!({ "reason": data.get("reason") }))?;
    match moderation::hide(req, town.clone(), me, state.clone(), comment, body).await {
        Ok(_) => Ok(v.redirect("/admin/moderation?ok=done")),
        Err(p) if about_the_form(&p) => {
            let mut form = Form::new();
            form.absorb(&p, v.lang, "reason", str::to_owned);
            show(town, state, &v, false, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(p) => Err(p),
    }
}

async fn restore(
    req: HttpRequest,
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    comment: web::Path<Uuid>,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let me = common::caller!(v, Needs::Staff);
    moderation::restore(req, town, me, state, comment, None).await?;
    Ok(v.redirect("/admin/moderation?status=hidden&ok=done"))
}

/// A citizen reports a comment, with a reason.
async fn report(
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    path: web::Path<(Uuid, Uuid)>,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let me = common::caller!(v);
    let (id, comment) = path.into_inner();
    let field = format!("report-{comment}");
    let body = api::body(json!({ "reason": data.get(&field) }))?;
    match comment_routes::report(town.clone(), me, state.clone(), web::Path::from(comment), body).await {
        Ok(_) => Ok(v.redirect(&format!("/consultations/{id}?ok=reported#commentaire-{comment}"))),
        Err(p) if about_the_form(&p) => {
            let mut form = Form::typed(data);
            form.absorb(&p, v.lang, &field, |_| field.clone());
            let forms = super::consultation::Forms { comment: form, ..Default::default() };
            super::consultation::render(&town, &state, &v, id, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(p) => Err(p),
    }
}
