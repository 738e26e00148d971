//! Accounts, sessions, town signup and the operator console.
use actix_web::web;
use common::server::ServiceSpec;
use utoipa::OpenApi;

pub mod account_mail;
pub mod domain;
pub mod limits;
pub mod pages;
pub mod routes;
pub mod store;

/// This service, as the binaries mount it.
pub const SERVICE: ServiceSpec = ServiceSpec { name: "auth", configure, openapi, background: None };

/// Registers the service's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    routes::communes::configure(cfg);
    routes::account::configure(cfg);
    routes::session::configure(cfg);
    routes::jwks::configure(cfg);
    routes::links::configure(cfg);
    routes::signup::configure(cfg);
    routes::operator_towns::configure(cfg);
    routes::operator_audit::configure(cfg);
    routes::operator_data::configure(cfg);
    routes::operator_domains::configure(cfg);
    routes::operator_quota::configure(cfg);
    routes::invitations::configure(cfg);
    routes::privacy::configure(cfg);
    routes::town_settings::configure(cfg);
    routes::profile::configure(cfg);
    pages::configure(cfg);
}

/// The service's part of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    common::openapi::document_problems(&mut doc);
    doc
}

#[derive(OpenApi)]
#[openapi(
    paths(
        routes::communes::search,
        routes::communes::get,
        routes::account::register,
        routes::account::verify_email,
        routes::account::me,
        routes::session::login,
        routes::session::refresh,
        routes::session::logout,
        routes::jwks::jwks,
        routes::links::ask_login_link,
        routes::links::consume_login_link,
        routes::links::forgot_password,
        routes::links::reset_password,
        routes::signup::signup,
        routes::signup::verify,
        routes::operator_towns::list,
        routes::operator_towns::approve,
        routes::operator_towns::reject,
        routes::operator_towns::suspend,
        routes::operator_towns::reactivate,
        routes::operator_domains::add_domain,
        routes::operator_quota::set_quota,
        routes::operator_audit::audit,
        routes::operator_data::export,
        routes::operator_data::delete,
        routes::invitations::accept,
        routes::invitations::invite,
        routes::invitations::list,
        routes::privacy::export,
        routes::privacy::erase,
        routes::town_settings::get,
        routes::profile::update,
        routes::town_settings::put,
    ),
    components(schemas(
        routes::communes::CommuneDto,
        routes::account::RegisterBody,
        routes::account::TokenBody,
        routes::account::MeDto,
        routes::session::LoginBody,
        routes::session::RefreshBody,
        routes::session::Tokens,
        routes::links::EmailBody,
        routes::links::ResetBody,
        routes::signup::SignupBody,
        routes::operator_towns::TownDto,
        routes::operator_towns::RejectBody,
        routes::operator_domains::DomainBody,
        routes::operator_quota::QuotaBody,
        routes::operator_audit::AuditDto,
        routes::invitations::AcceptBody,
        routes::invitations::InviteBody,
        routes::invitations::MemberDto,
        routes::town_settings::TownSettings,
        routes::profile::ProfileBody,
    ))
)]
struct ApiDoc;
