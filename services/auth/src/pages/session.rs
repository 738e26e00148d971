//! Log in (password or mailed link) and log out.
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use askama::Template;
use chrono::Utc;
use common::{
    AppState, Problem, Site,
    page::{Form, FormData, Frame, Visitor, api},
    tenancy::revisions::post_changing_no_page,
};
use serde_json::json;

use super::{TokenQuery, about_the_form, refused, session_cookies};
use crate::{
    domain::realm::Realm,
    routes::{links, session},
    store::tokens,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::get().to(login_page))
        .service(post_changing_no_page("/login", login))
        .service(post_changing_no_page("/logout", logout))
        .route("/login/by-email", web::get().to(ask_link_page))
        .route("/login/by-email", web::post().to(ask_link))
        .route("/login/link", web::get().to(link_page))
        .route("/login/link", web::post().to(use_link));
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    f: Frame,
    form: Form,
    next: String,
}

/// Where to go after logging in: the `next` asked for, or home.
#[derive(serde::Deserialize)]
struct NextQuery {
    next: Option<String>,
}

fn login_form(v: &Visitor, form: Form, next: &str, status: StatusCode) -> Result<HttpResponse, Problem> {
    let page = LoginPage { f: v.frame(v.t("Se connecter", "Log in")), form, next: next.to_owned() };
    v.render_with(status, &page)
}

async fn login_page(v: Visitor, query: web::Query<NextQuery>) -> Result<HttpResponse, Problem> {
    let next = query.into_inner().next.unwrap_or_else(|| "/".into());
    login_form(&v, Form::new(), &next, StatusCode::OK)
}

async fn login(
    req: HttpRequest,
    site: Site,
    state: web::Data<AppState>,
    v: Visitor,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let next = data.get("next").to_owned();
    let body = api::body(json!({ "email": data.get("email"), "password": data.get("password") }))?;
    match session::login(req, site, state.clone(), body).await {
        Ok(res) => {
            let cookies = session_cookies(&state, res).await?;
            Ok(v.redirect_with(&with_notice(&next, "welcome"), cookies))
        }
        Err(p) if about_the_form(&p) => {
            login_form(&v, refused(&v, data, &p, "email"), &next, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(p) => Err(p),
    }
}

/// `path` with `?ok=notice` (or `&ok=` when it has a query already).
pub(super) fn with_notice(path: &str, notice: &str) -> String {
    let path = common::page::local_path(path);
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}ok={notice}")
}

/// Ends the browser's session: its refresh family is revoked, its cookies cleared.
async fn logout(
    site: Site,
    state: web::Data<AppState>,
    v: Visitor,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    if let Some(signed_in) = &v.signed_in {
        tokens::revoke_family(&state.db, Realm::of(&site), signed_in.sid, Utc::now())
            .await
            .map_err(Problem::internal)?;
    }
    Ok(v.redirect_with("/?ok=bye", common::auth::browser::cleared_cookies(&state.config)))
}

#[derive(Template)]
#[template(path = "email_form.html")]
pub(super) struct EmailForm {
    pub f: Frame,
    pub form: Form,
    pub intro: &'static str,
    pub action: &'static str,
    pub button: &'static str,
}

fn ask_link_form(v: &Visitor, form: Form, status: StatusCode) -> Result<HttpResponse, Problem> {
    v.render_with(
        status,
        &EmailForm {
            f: v.frame(v.t("Recevoir un lien de connexion", "Get a login link")),
            form,
            intro: v.t(
                "Indiquez l’adresse de votre compte : nous vous enverrons un lien qui vous connecte sans mot de passe, valable 15 minutes.",
                "Give your account's address: we will send you a link that logs you in without a password, valid for 15 minutes.",
            ),
            action: "/login/by-email",
            button: v.t("Envoyer le lien", "Send the link"),
        },
    )
}

async fn ask_link_page(v: Visitor) -> Result<HttpResponse, Problem> {
    ask_link_form(&v, Form::new(), StatusCode::OK)
}

async fn ask_link(
    req: HttpRequest,
    site: Site,
    state: web::Data<AppState>,
    v: Visitor,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let body = api::body(json!({ "email": data.get("email") }))?;
    match links::ask_login_link(req, site, state, body).await {
        Ok(_) => Ok(v.redirect("/?ok=link_sent")),
        Err(p) if about_the_form(&p) => {
            ask_link_form(&v, refused(&v, data, &p, "email"), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(p) => Err(p),
    }
}

#[derive(Template)]
#[template(path = "confirm.html")]
pub(super) struct Confirm {
    pub f: Frame,
    pub form: Form,
    pub intro: &'static str,
    pub action: &'static str,
    pub token: String,
    pub button: &'static str,
    pub danger: bool,
}

/// The mailed link opens a page with a button: mail scanners that fetch
/// links must not spend them.
async fn link_page(v: Visitor, query: web::Query<TokenQuery>) -> Result<HttpResponse, Problem> {
    link_form(&v, Form::new(), query.into_inner().token, StatusCode::OK)
}

fn link_form(v: &Visitor, form: Form, token: String, status: StatusCode) -> Result<HttpResponse, Problem> {
    let page = Confirm {
        f: v.frame(v.t("Connexion par lien", "Log in by link")),
        form,
        intro: v.t("Ce lien vous connecte à votre compte.", "This link logs you in to your account."),
        action: "/login/link",
        token,
        button: v.t("Me connecter", "Log me in"),
        danger: false,
    };
    v.render_with(status, &page)
}

async fn use_link(
    req: HttpRequest,
    site: Site,
    state: web::Data<AppState>,
    v: Visitor,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let body = api::body(json!({ "token": data.get("token") }))?;
    match links::consume_login_link(req, site, state.clone(), body).await {
        Ok(res) => {
            let cookies = session_cookies(&state, res).await?;
            Ok(v.redirect_with("/?ok=welcome", cookies))
        }
        Err(p) if about_the_form(&p) => {
            let token = data.get("token").to_owned();
            link_form(&v, refused(&v, data, &p, "token"), token, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(p) => Err(p),
    }
}
