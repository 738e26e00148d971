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
