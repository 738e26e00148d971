//! Registering, confirming one's address, and one's account: settings,
//! export, deletion.
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use askama::Template;
use common::{
    AppState, Problem, Town,
    page::{Form, FormData, Frame, Visitor, api},
};
use serde_json::json;

use super::{
    TokenQuery, about_the_form, refused,
    session::{Confirm, with_notice},
};
use crate::{
    domain::realm::Realm,
    routes::{account, privacy},
    store::accounts,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/register", web::get().to(register_page))
        .route("/register", web::post().to(register))
        .route("/verify-email", web::get().to(verify_page))
        .route("/verify-email", web::post().to(verify))
        .route("/account", web::get().to(account_page))
        .route("/account/name", web::post().to(rename))
        .route("/account/export", web::get().to(export))
        .route("/account/delete", web::get().to(delete_page))
        .route("/account/delete", web::post().to(delete));
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    f: Frame,
    form: Form,
}

async fn register_page(_: Town, v: Visitor) -> Result<HttpResponse, Problem> {
    v.render(&RegisterPage { f: v.frame(v.t("Créer un compte", "Create an account")), form: Form::new() })
}

async fn register(
    req: HttpRequest,
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let body = api::body(json!({
        "email": data.get("email"), "password": data.get("password"), "display_name": data.get("display_name"),
    }))?;
    match account::register(req, town, state, body).await {
        Ok(_) => Ok(v.redirect("/?ok=registered")),
        Err(p) if about_the_form(&p) => {
            let page = RegisterPage {
                f: v.frame(v.t("Créer un compte", "Create an account")),
                form: refused(&v, data, &p, "email"),
            };
            v.render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(p) => Err(p),
    }
}

fn verify_form(v: &Visitor, form: Form, token: String, status: StatusCode) -> Result<HttpResponse, Problem> {
    let page = Confirm {
        f: v.frame(v.t("Confirmer mon adresse", "Confirm my address")),
        form,
        intro: v.t(
            "Confirmez votre adresse e-mail pour pouvoir participer.",
            "Confirm your e-mail address to take part.",
        ),
        action: "/verify-email",
        token,
        button: v.t("Confirmer mon adresse", "Confirm my address"),
        danger: false,
    };
    v.render_with(status, &page)
}

async fn verify_page(_: Town, v: Visitor, query: web::Query<TokenQuery>) -> Result<HttpResponse, Problem> {
    verify_form(&v, Form::new(), query.into_inner().token, StatusCode::OK)
}

async fn verify(
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let body = api::body(json!({ "token": data.get("token") }))?;
    match account::verify_email(town, state, body).await {
        // Signed in already: the session goes on; otherwise, to the login page.
        Ok(_) if v.signed_in.is_some() => Ok(v.redirect("/?ok=verified")),
        Ok(_) => Ok(v.redirect(&with_notice("/login", "verified"))),
        Err(p) if about_the_form(&p) => {
            let token = data.get("token").to_owned();
            verify_form(&v, refused(&v, data, &p, "token"), token, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(p) => Err(p),
    }
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    f: Frame,
    name: String,
    email: String,
    verified: bool,
    form: Form,
}

async fn show_account(
    town: &Town,
    state: &AppState,
    v: &Visitor,
    form: Option<Form>,
    status: StatusCode,
) -> Result<HttpResponse, Problem> {
    let me = common::caller!(v);
    let user = accounts::by_id(&state.db, Realm::Town(town.scope()), me.user_id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(common::auth::unauthenticated)?;
    let form = form
        .unwrap_or_else(|| Form::typed(FormData(vec![("display_name".into(), user.display_name.clone())])));
    let page = AccountPage {
        f: v.frame(v.t("Mon compte", "My account")),
        name: user.display_name,
        email: user.email,
        verified: user.email_verified_at.is_some(),
        form,
    };
    v.render_with(status, &page)
}

async fn account_page(town: Town, state: web::Data<AppState>, v: Visitor) -> Result<HttpResponse, Problem> {
    show_account(&town, &state, &v, None, StatusCode::OK).await
}

async fn rename(
    site: common::Site,
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let me = common::caller!(v);
    let body = api::body(json!({ "display_name": data.get("display_name") }))?;
    match crate::routes::profile::update(site, me, state.clone(), body).await {
        Ok(_) => Ok(v.redirect("/account?ok=saved")),
        Err(p) if about_the_form(&p) => {
            let form = refused(&v, data, &p, "display_name");
            show_account(&town, &state, &v, Some(form), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(p) => Err(p),
    }
}

/// The same file as `GET /api/v1/me/export`, downloaded from the page.
async fn export(town: Town, state: web::Data<AppState>, v: Visitor) -> Result<HttpResponse, Problem> {
    let me = common::caller!(v);
    privacy::export(town, me, state).await
}

fn delete_form(v: &Visitor, form: Form, status: StatusCode) -> Result<HttpResponse, Problem> {
    let page = Confirm {
        f: v.frame(v.t("Supprimer mon compte", "Delete my account")),
        form,
        intro: v.t(
            "Votre nom, votre adresse et votre mot de passe seront effacés et vos sessions fermées. Vos contributions restent, sans votre nom. C’est définitif.",
            "Your name, address and password will be erased and your sessions ended. Your contributions stay, without your name. This cannot be undone.",
        ),
        action: "/account/delete",
        token: String::new(),
        button: v.t("Supprimer définitivement mon compte", "Delete my account for good"),
        danger: true,
    };
    v.render_with(status, &page)
}

async fn delete_page(_: Town, v: Visitor) -> Result<HttpResponse, Problem> {
    common::caller!(v);
    delete_form(&v, Form::new(), StatusCode::OK)
}

async fn delete(
    req: HttpRequest,
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let me = common::caller!(v);
    privacy::erase(req, town, me, state.clone()).await?;
    Ok(v.redirect_with("/?ok=deleted", common::auth::browser::cleared_cookies(&state.config)))
}
