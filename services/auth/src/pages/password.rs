//! Forgotten passwords, the reset link, and joining a town's team from an
//! invitation (which also sets a password).
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use askama::Template;
use common::{
    AppState, Problem, Site, Town,
    page::{Form, FormData, Frame, Visitor, api},
};
use serde_json::json;

use super::{TokenQuery, about_the_form, refused, session::EmailForm, session_cookies};
use crate::routes::{invitations, links};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/password/forgot", web::get().to(forgot_page))
        .route("/password/forgot", web::post().to(forgot))
        .route("/password/reset", web::get().to(reset_page))
        .route("/password/reset", web::post().to(reset))
        .route("/invitations/accept", web::get().to(invitation_page))
        .route("/invitations/accept", web::post().to(accept));
}

fn forgot_form(v: &Visitor, form: Form, status: StatusCode) -> Result<HttpResponse, Problem> {
    let page = EmailForm {
        f: v.frame(v.t("Mot de passe oublié", "Forgotten password")),
        form,
        intro: v.t(
            "Indiquez l’adresse de votre compte : nous vous enverrons un lien pour choisir un nouveau mot de passe, valable une heure.",
            "Give your account's address: we will send you a link to choose a new password, valid for one hour.",
        ),
        action: "/password/forgot",
        button: v.t("Envoyer le lien", "Send the link"),
    };
    v.render_with(status, &page)
}

async fn forgot_page(v: Visitor) -> Result<HttpResponse, Problem> {
    forgot_form(&v, Form::new(), StatusCode::OK)
}

async fn forgot(
    req: HttpRequest,
    site: Site,
    state: web::Data<AppState>,
    v: Visitor,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let body = api::body(json!({ "email": data.get("email") }))?;
    match links::forgot_password(req, site, state, body).await {
        Ok(_) => Ok(v.redirect("/?ok=reset_sent")),
        Err(p) if about_the_form(&p) => {
            forgot_form(&v, refused(&v, data, &p, "email"), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(p) => Err(p),
    }
}

#[derive(Template)]
#[template(path = "password_reset.html")]
struct PasswordPage {
    f: Frame,
    form: Form,
    action: &'static str,
    token: String,
    with_name: bool,
    button: &'static str,
}

fn reset_form(v: &Visitor, form: Form, token: String, status: StatusCode) -> Result<HttpResponse, Problem> {
    let page = PasswordPage {
        f: v.frame(v.t("Choisir un mot de passe", "Choose a password")),
        form,
        action: "/password/reset",
        token,
        with_name: false,
        button: v.t("Enregistrer le mot de passe", "Save the password"),
    };
    v.render_with(status, &page)
}

async fn reset_page(v: Visitor, query: web::Query<TokenQuery>) -> Result<HttpResponse, Problem> {
    reset_form(&v, Form::new(), query.into_inner().token, StatusCode::OK)
}

async fn reset(
    req: HttpRequest,
    site: Site,
    state: web::Data<AppState>,
    v: Visitor,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let body = api::body(json!({ "token": data.get("token"), "password": data.get("password") }))?;
    match links::reset_password(req, site, state, body).await {
        Ok(_) => Ok(v.redirect("/login?ok=password")),
        Err(p) if about_the_form(&p) => {
            let token = data.get("token").to_owned();
            reset_form(&v, refused(&v, data, &p, "password"), token, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(p) => Err(p),
    }
}

fn invitation_form(
    v: &Visitor,
    form: Form,
    token: String,
    status: StatusCode,
) -> Result<HttpResponse, Problem> {
    let page = PasswordPage {
        f: v.frame(v.t("Rejoindre l’équipe de la commune", "Join the town's team")),
        form,
        action: "/invitations/accept",
        token,
        with_name: true,
        button: v.t("Rejoindre l’équipe", "Join the team"),
    };
    v.render_with(status, &page)
}

async fn invitation_page(
    _: Town,
    v: Visitor,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, Problem> {
    invitation_form(&v, Form::new(), query.into_inner().token, StatusCode::OK)
}

async fn accept(
    req: HttpRequest,
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let body = api::body(json!({
        "token": data.get("token"), "password": data.get("password"), "display_name": data.get("display_name"),
    }))?;
    match invitations::accept(req, town, state.clone(), body).await {
        Ok(res) => {
            let cookies = session_cookies(&state, res).await?;
            Ok(v.redirect_with("/admin?ok=joined", cookies))
        }
        Err(p) if about_the_form(&p) => {
            let token = data.get("token").to_owned();
            invitation_form(&v, refused(&v, data, &p, "password"), token, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(p) => Err(p),
    }
}
