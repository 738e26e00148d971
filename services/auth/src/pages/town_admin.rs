//! The town's settings and team, in the staff's console (admins).
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use askama::Template;
use common::{
    AppState, Problem, Town,
    auth::Principal,
    page::{Form, FormData, Frame, Needs, Visitor, api},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::about_the_form;
use crate::routes::{invitations, town_settings};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/settings", web::get().to(settings_page))
        .route("/admin/settings", web::post().to(save_settings))
        .route("/admin/members", web::get().to(members_page))
        .route("/admin/members", web::post().to(invite));
}

const SETTINGS: [&str; 5] =
    ["name", "public_email", "legal_notice", "privacy_notice", "accessibility_statement"];

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    f: Frame,
    form: Form,
}

fn settings_form(v: &Visitor, form: Form, status: StatusCode) -> Result<HttpResponse, Problem> {
    v.render_with(status, &SettingsPage { f: v.frame(v.t("Réglages de l’espace", "Space settings")), form })
}

async fn settings_page(town: Town, state: web::Data<AppState>, v: Visitor) -> Result<HttpResponse, Problem> {
    let me = common::caller!(v, Needs::Admin);
    let stored = api::json(town_settings::get(town, me, state).await?).await?;
    let fields = SETTINGS
        .iter()
        .filter_map(|name| {
            stored.get(*name).and_then(Value::as_str).map(|v| ((*name).to_owned(), v.to_owned()))
        })
        .collect();
    settings_form(&v, Form::typed(FormData(fields)), StatusCode::OK)
}

async fn save_settings(
    req: HttpRequest,
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let me = common::caller!(v, Needs::Admin);
    let body: serde_json::Map<String, Value> =
        SETTINGS.iter().map(|name| ((*name).to_owned(), Value::from(data.get(name)))).collect();
    match town_settings::put(req, town, me, state, api::body(Value::Object(body))?).await {
        Ok(_) => Ok(v.redirect("/admin/settings?ok=saved")),
        Err(p) if about_the_form(&p) => {
            let mut form = Form::typed(data);
            form.absorb(&p, v.lang, "name", str::to_owned);
            settings_form(&v, form, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(p) => Err(p),
    }
}

/// A member as the API lists them.
#[derive(Deserialize)]
struct MemberRow {
    email: String,
    display_name: String,
    role: String,
}

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    f: Frame,
    members: Vec<MemberRow>,
    form: Form,
}

async fn members_form(
    town: Town,
    state: web::Data<AppState>,
    v: &Visitor,
    me: Principal,
    form: Form,
    status: StatusCode,
) -> Result<HttpResponse, Problem> {
    let members: Vec<MemberRow> =
        serde_json::from_value(api::json(invitations::list(town, me, state).await?).await?)
            .map_err(Problem::internal)?;
    v.render_with(
        status,
        &MembersPage { f: v.frame(v.t("Équipe et invitations", "Team and invitations")), members, form },
    )
}

async fn members_page(town: Town, state: web::Data<AppState>, v: Visitor) -> Result<HttpResponse, Problem> {
    let me = common::caller!(v, Needs::Admin);
    members_form(town, state, &v, me, Form::new(), StatusCode::OK).await
}

async fn invite(
    req: HttpRequest,
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let me = common::caller!(v, Needs::Admin);
    let body = api::body(json!({ "email": data.get("email"), "role": data.get("role") }))?;
    match invitations::invite(req, town.clone(), me.clone(), state.clone(), body).await {
        Ok(_) => Ok(v.redirect("/admin/members?ok=invited")),
        Err(p) if about_the_form(&p) => {
            let mut form = Form::typed(data);
            form.absorb(&p, v.lang, "email", str::to_owned);
            members_form(town, state, &v, me, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(p) => Err(p),
    }
}
