//! `/unsubscribe/{token}`: the link in every non-transactional mail. GET shows
//! a page and changes nothing (mail scanners follow links); POST unsubscribes
//! at once, with no cookie and no login (RFC 8058 one-click), from the kind of
//! mail the link names or, with `scope=all`, from everything the town sends.
use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;
use common::{AppState, Problem, Town, i18n::Text};

use crate::{
    store::subscriptions,
    topics::{ALL, Topic},
    unsubscribe::UnsubscribeToken,
};

/// Registers the unsubscribe page (town host, no API prefix).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/unsubscribe/{token}", web::get().to(page))
        .route("/unsubscribe/{token}", web::post().to(one_click));
}

#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct UnsubscribePage<'a> {
    town: &'a str,
    address: &'a str,
    what: &'a str,
    done: bool,
}

/// The token if this town signed it for one of its kinds of mail; `None` topic: everything.
fn read(state: &AppState, town: &Town, token: &str) -> Result<(UnsubscribeToken, Option<Topic>), Problem> {
    let dead = || {
        Problem::new(StatusCode::NOT_FOUND, "not_found").with_detail(Text::fixed(
            "Ce lien de désabonnement n’est pas valable.",
            "This unsubscribe link is not valid.",
        ))
    };
    let parsed = UnsubscribeToken::verify(token, &state.signing_key)
        .filter(|t| t.tenant_id == town.id)
        .ok_or_else(dead)?;
    let topic = match parsed.topic.as_str() {
        ALL => None,
        raw => Some(Topic::parse(raw).ok_or_else(dead)?),
    };
    Ok((parsed, topic))
}

fn html(town: &Town, address: &str, topic: Option<Topic>, done: bool) -> Result<HttpResponse, Problem> {
    let what = match topic {
        Some(t) => t.label_fr(),
        None => "aucun message de la commune",
    };
    let what = if done || topic.is_some() { what } else { "les messages de la commune" };
    let body =
        UnsubscribePage { town: &town.name, address, what, done }.render().map_err(Problem::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .body(body))
}

/// The page with its buttons; opening it changes nothing.
pub async fn page(
    town: Town,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let (parsed, topic) = read(&state, &town, &token)?;
    html(&town, &parsed.email, topic, false)
}

/// Unsubscribes at once: `List-Unsubscribe=One-Click` (what mail clients send)
/// stops the link's kind of mail, `scope=all` everything from the town.
pub async fn one_click(
    town: Town,
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, Problem> {
    let (parsed, topic) = read(&state, &town, &token)?;
    let everything = url::form_urlencoded::parse(&body).any(|(k, v)| k == "scope" && v == "all");
    let topic = if everything { None } else { topic };
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    subscriptions::unsubscribe(&txn, town.scope(), &parsed.email, topic).await.map_err(Problem::internal)?;
    txn.commit().await.map_err(Problem::internal)?;
    html(&town, &parsed.email, topic, true)
}
