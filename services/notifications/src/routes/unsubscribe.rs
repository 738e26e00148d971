//! `/unsubscribe/{token}`: the link in every non-transactional mail. GET shows
//! a page and changes nothing (mail scanners follow links); POST unsubscribes
//! at once, with no cookie and no login (RFC 8058 one-click), from the kind of
//! mail the link names or, with `scope=all`, from everything the town sends.
use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;
use common::{
    AppState, Problem, Town,
    i18n::{Lang, Text},
    page::{Frame, Visitor},
};

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
    f: Frame,
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

fn html(v: &Visitor, address: &str, topic: Option<Topic>, done: bool) -> Result<HttpResponse, Problem> {
    let english = v.lang == Lang::En;
    let what = match topic {
        Some(t) if english => t.label_en(),
        Some(t) => t.label_fr(),
        None if done => v.t("aucun message de la commune", "any message from the town"),
        None => v.t("les messages de la commune", "the town's messages"),
    };
    let title = if done {
        v.t("Désabonnement enregistré", "Unsubscribed")
    } else {
        v.t("Se désabonner", "Unsubscribe")
    };
    let page = UnsubscribePage { f: v.frame(title), address, what, done };
    let mut res = v.render(&page)?;
    // The token is in the address: it must not leak to the sites linked from the page.
    res.headers_mut().insert(
        actix_web::http::header::REFERRER_POLICY,
        actix_web::http::header::HeaderValue::from_static("no-referrer"),
    );
    Ok(res)
}

/// The page with its buttons; opening it changes nothing.
pub async fn page(
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    token: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let (parsed, topic) = read(&state, &town, &token)?;
    html(&v, &parsed.email, topic, false)
}

/// Unsubscribes at once: `List-Unsubscribe=One-Click` (what mail clients send)
/// stops the link's kind of mail, `scope=all` everything from the town.
pub async fn one_click(
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    token: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, Problem> {
    let (parsed, topic) = read(&state, &town, &token)?;
    let everything = url::form_urlencoded::parse(&body).any(|(k, v)| k == "scope" && v == "all");
    let topic = if everything { None } else { topic };
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    subscriptions::unsubscribe(&txn, town.scope(), &parsed.email, topic).await.map_err(Problem::internal)?;
    txn.commit().await.map_err(Problem::internal)?;
    html(&v, &parsed.email, topic, true)
}
