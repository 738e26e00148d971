//! The auth service's pages: logging in and out, accounts, links from mails,
//! town signup and the operator's console. Forms go through the API's own
//! handlers, so a page and an API client meet the same rules.
use actix_web::web;
use common::{
    Problem,
    page::{Form, FormData, Visitor},
};

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

/// Whether a handler's problem is about what was typed (the form is shown
/// again) rather than something the page cannot help with.
fn about_the_form(problem: &Problem) -> bool {
    matches!(problem.status().as_u16(), 400 | 401 | 409 | 422)
}
