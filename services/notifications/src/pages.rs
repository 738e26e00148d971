//! The notification pages: subscribing by e-mail without an account,
//! confirming it, and choosing which mails one's account gets.
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use askama::Template;
use common::{
    AppState, Problem, Town,
    page::{Form, FormData, Frame, Visitor, about_the_form, api},
};
use serde_json::{Value, json};

use crate::routes::{preferences, subscriptions};

/// Registers the pages (town host).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/subscribe", web::get().to(subscribe_page))
        .route("/subscribe", web::post().to(subscribe))
        .route("/subscriptions/confirm", web::get().to(confirm_page))
        .route("/subscriptions/confirm", web::post().to(confirm))
        .route("/account/notifications", web::get().to(preferences_page))
        .route("/account/notifications", web::post().to(save_preferences));
}

#[derive(Template)]
#[template(path = "subscribe.html")]
struct SubscribePage {
    f: Frame,
    form: Form,
}

async fn subscribe_page(_: Town, v: Visitor) -> Result<HttpResponse, Problem> {
    v.render(&SubscribePage {
        f: v.frame(v.t("Être prévenu par e-mail", "Stay informed by e-mail")),
        form: Form::new(),
    })
}

async fn subscribe(
    req: HttpRequest,
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let body = api::body(json!({ "email": data.get("email"), "page": "/subscribe" }))?;
    match subscriptions::subscribe(req, town, state, body).await {
        Ok(_) => Ok(v.redirect("/?ok=subscribed")),
        Err(p) if about_the_form(&p) => {
            let mut form = Form::typed(data);
            form.absorb(&p, v.lang, "email", |f| f.to_owned());
            let page = SubscribePage {
                f: v.frame(v.t("Être prévenu par e-mail", "Stay informed by e-mail")),
                form,
            };
            v.render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(p) => Err(p),
    }
}

#[derive(Template)]
#[template(path = "confirm_subscription.html")]
struct ConfirmPage {
    f: Frame,
    form: Form,
    token: String,
}

#[derive(serde::Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

async fn confirm_page(_: Town, v: Visitor, query: web::Query<TokenQuery>) -> Result<HttpResponse, Problem> {
    let page = ConfirmPage {
        f: v.frame(v.t("Confirmer l’abonnement", "Confirm the subscription")),
        form: Form::new(),
        token: query.into_inner().token,
    };
    v.render(&page)
}

async fn confirm(
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let body = api::body(json!({ "token": data.get("token") }))?;
    match subscriptions::confirm(town, state, body).await {
        Ok(_) => Ok(v.redirect("/?ok=confirmed")),
        Err(p) if about_the_form(&p) => {
            let token = data.get("token").to_owned();
            let mut form = Form::typed(data);
            form.absorb(&p, v.lang, "token", |f| f.to_owned());
            let page = ConfirmPage {
                f: v.frame(v.t("Confirmer l’abonnement", "Confirm the subscription")),
                form,
                token,
            };
            v.render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(p) => Err(p),
    }
}

/// The kinds of mail one chooses the timing of, as the form names them.
const TOPICS: [&str; 4] = ["new_consultations", "results", "replies", "proposal_answers"];

#[derive(Template)]
#[template(path = "preferences.html")]
struct PreferencesPage {
    f: Frame,
    form: Form,
    topics: Vec<(&'static str, &'static str)>,
}

fn preferences_form(v: &Visitor, form: Form, status: StatusCode) -> Result<HttpResponse, Problem> {
    let labels = [
        v.t("Nouvelles consultations", "New consultations"),
        v.t(
            "Résultats des consultations auxquelles j’ai participé",
            "Results of the consultations I took part in",
        ),
        v.t("Réponses à mes commentaires", "Replies to my comments"),
        v.t("Réponses de la commune à mes propositions", "The town's answers to my proposals"),
    ];
    let page = PreferencesPage {
        f: v.frame(v.t("E-mails que je reçois", "E-mails I receive")),
        form,
        topics: TOPICS.into_iter().zip(labels).collect(),
    };
    v.render_with(status, &page)
}

async fn preferences_page(
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
) -> Result<HttpResponse, Problem> {
    let me = common::caller!(v);
    let stored = api::json(preferences::get(town, me, state).await?).await?;
    let mut fields = Vec::new();
    for name in TOPICS.into_iter().chain(["language"]) {
        if let Some(value) = stored.get(name).and_then(Value::as_str) {
            fields.push((name.to_owned(), value.to_owned()));
        }
    }
    preferences_form(&v, Form::typed(FormData(fields)), StatusCode::OK)
}

async fn save_preferences(
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let me = common::caller!(v);
    let mut body = serde_json::Map::new();
    for name in TOPICS.into_iter().chain(["language"]) {
        if let Some(value) = data.non_empty(name) {
            body.insert(name.to_owned(), Value::String(value));
        }
    }
    match preferences::put(town, me, state, api::body(Value::Object(body))?).await {
        Ok(_) => Ok(v.redirect("/account/notifications?ok=saved")),
        Err(p) if about_the_form(&p) => {
            let mut form = Form::typed(data);
            form.absorb(&p, v.lang, "new_consultations", |f| f.to_owned());
            preferences_form(&v, form, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(p) => Err(p),
    }
}
