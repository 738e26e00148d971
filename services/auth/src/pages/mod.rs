//! The auth service's pages: logging in and out, accounts, links from mails,
//! town signup and the operator's console. Forms go through the API's own
//! handlers, so a page and an API client meet the same rules.
use actix_web::web;
use common::{
    Problem,
    page::{Form, FormData, Visitor},
};

pub(crate) use common::page::about_the_form;

mod account;
mod legal;
mod operator;
mod password;
mod session;
mod signup;
mod town_admin;

/// Registers the pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    session::configure(cfg);
    account::configure(cfg);
    password::configure(cfg);
    signup::configure(cfg);
    operator::configure(cfg);
    legal::configure(cfg);
    town_admin::configure(cfg);
}

/// The browser session's cookies from a login handler's answer (its tokens),
/// the refresh cookie living as long as the refresh token.
async fn session_cookies(
    state: &common::AppState,
    res: actix_web::HttpResponse,
) -> Result<[actix_web::cookie::Cookie<'static>; 2], Problem> {
    let tokens = common::page::api::json(res).await?;
    let access = tokens.get("access_token").and_then(serde_json::Value::as_str);
    let refresh = tokens.get("refresh_token").and_then(serde_json::Value::as_str);
    let (Some(access), Some(refresh)) = (access, refresh) else { return Err(Problem::internal("no tokens")) };
    Ok(common::auth::browser::session_cookies(
        &state.config,
        access,
        refresh,
        common::auth::ACCESS_TOKEN_SECONDS,
        crate::store::tokens::REFRESH_TTL.num_seconds(),
    ))
}

/// A token from a mailed link's query.
#[derive(serde::Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// The form sent back with the problem `problem` laid on its fields.
fn refused(v: &Visitor, data: FormData, problem: &Problem, fallback: &str) -> Form {
    let mut form = Form::typed(data);
    form.absorb(problem, v.lang, fallback, |f| f.to_owned());
    form
}
