//! The platform host's pages: its home, and a town's signup with a search of
//! the official list of communes by name or postal code (no script needed).
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use askama::Template;
use common::{
    AppState, Problem,
    page::{Form, FormData, Frame, Visitor, api, encode},
    tenancy::{PlatformHost, on_platform},
};
use entity::commune;
use serde_json::json;

use super::{TokenQuery, about_the_form, refused, session::Confirm};
use crate::{domain::commune_query::CommuneQuery, routes::signup, store};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().guard(on_platform()).to(home))
        .route("/signup", web::get().to(signup_page))
        .route("/signup", web::post().to(send))
        .route("/signup/verify", web::get().to(verify_page))
        .route("/signup/verify", web::post().to(verify));
}

#[derive(Template)]
#[template(path = "platform_home.html")]
struct Home {
    f: Frame,
}

async fn home(_: PlatformHost, v: Visitor) -> Result<HttpResponse, Problem> {
    v.render(&Home {
        f: v.frame(v.t("Espaces de participation des communes", "Towns' participation spaces")),
    })
}

#[derive(Template)]
#[template(path = "signup.html")]
struct SignupPage {
    f: Frame,
    form: Form,
    q: String,
    q_encoded: String,
    communes: Vec<commune::Model>,
    hint: String,
}

#[derive(serde::Deserialize)]
struct Search {
    #[serde(default)]
    q: String,
}

async fn show(
    v: &Visitor,
    state: &AppState,
    q: String,
    mut form: Form,
    status: StatusCode,
) -> Result<HttpResponse, Problem> {
    let q = q.trim().to_owned();
    let communes = match CommuneQuery::parse(&q) {
        Ok(query) => store::search_communes(&state.db, &query, 20).await.map_err(Problem::internal)?,
        Err(_) if q.is_empty() => Vec::new(),
        Err(_) => {
            form.fail(
                "q",
                v.t(
                    "Saisissez au moins 2 lettres du nom, ou un code postal.",
                    "Type at least 2 letters of the name, or a postal code.",
                ),
            );
            Vec::new()
        }
    };
    let hint = format!(
        "{} {}",
        v.t(
            "Lettres minuscules, chiffres et tirets ; votre espace sera à l’adresse",
            "Lower-case letters, digits and hyphens; your space will be at"
        ),
        format_args!("<adresse>.{}", state.config.platform_domain)
    );
    let page = SignupPage {
        f: v.frame(v.t("Inscrire sa commune", "Sign up your town")),
        form,
        q_encoded: encode(&q),
        q,
        communes,
        hint,
    };
    v.render_with(status, &page)
}

async fn signup_page(
    _: PlatformHost,
    state: web::Data<AppState>,
    v: Visitor,
    query: web::Query<Search>,
) -> Result<HttpResponse, Problem> {
    show(&v, &state, query.into_inner().q, Form::new(), StatusCode::OK).await
}

async fn send(
    req: HttpRequest,
    host: PlatformHost,
    state: web::Data<AppState>,
    v: Visitor,
    query: web::Query<Search>,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let body = api::body(json!({
        "insee_code": data.get("insee_code"), "slug": data.get("slug").trim(),
        "contact_email": data.get("contact_email"), "contact_name": data.get("contact_name"),
    }))?;
    match signup::signup(req, host, state.clone(), body).await {
        Ok(_) => Ok(v.redirect("/?ok=signup")),
        Err(p) if about_the_form(&p) => {
            let form = refused(&v, data, &p, "insee_code");
            show(&v, &state, query.into_inner().q, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(p) => Err(p),
    }
}

fn verify_form(v: &Visitor, form: Form, token: String, status: StatusCode) -> Result<HttpResponse, Problem> {
    let page = Confirm {
        f: v.frame(v.t("Confirmer la demande", "Confirm the request")),
        form,
        intro: v.t(
            "Confirmez l’adresse de contact de la demande d’espace de votre commune.",
            "Confirm the contact address of your town's request for a space.",
        ),
        action: "/signup/verify",
        token,
        button: v.t("Confirmer", "Confirm"),
        danger: false,
    };
    v.render_with(status, &page)
}

async fn verify_page(
    _: PlatformHost,
    v: Visitor,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, Problem> {
    verify_form(&v, Form::new(), query.into_inner().token, StatusCode::OK)
}

async fn verify(
    req: HttpRequest,
    host: PlatformHost,
    state: web::Data<AppState>,
    v: Visitor,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let body = api::body(json!({ "token": data.get("token") }))?;
    match signup::verify(req, host, state, body).await {
        Ok(_) => Ok(v.redirect("/?ok=signup_verified")),
        Err(p) if about_the_form(&p) => {
            let token = data.get("token").to_owned();
            verify_form(&v, refused(&v, data, &p, "token"), token, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(p) => Err(p),
    }
}
