//! Consultations: questionnaires, idea boxes, participatory budgets, comments, moderation, results.
use actix_web::web;
use common::server::ServiceSpec;
use utoipa::OpenApi;

pub mod domain;
pub mod pages;
pub mod routes;
pub mod store;

/// This service, as the binaries mount it.
pub const SERVICE: ServiceSpec = ServiceSpec { name: "consultation", configure, openapi, background: None };

/// Registers the service's routes; its health routes come with every server.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // One scope for the routes on one consultation: the router matches its
    // dynamic prefix once, then compares plain suffixes, instead of trying
    // each route's pattern in turn.
    cfg.service(
        web::scope("/api/v1/consultations/{id}")
            .configure(routes::read::on_consultation)
            .configure(routes::manage::on_consultation)
            .configure(routes::questionnaire::on_consultation)
            .configure(routes::proposals::on_consultation)
            .configure(routes::budget::on_consultation)
            .configure(routes::comments::on_consultation)
            .configure(routes::results::on_consultation)
            .configure(routes::exports::on_consultation),
    );
    routes::read::configure(cfg);
    routes::manage::configure(cfg);
    routes::proposals::configure(cfg);
    routes::comments::configure(cfg);
    routes::moderation::configure(cfg);
    routes::stats::configure(cfg);
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
        routes::read::list,
        routes::read::get,
        routes::manage::create,
        routes::manage::edit,
        routes::manage::publish,
        routes::manage::close,
        routes::manage::archive,
        routes::questionnaire::add,
        routes::questionnaire::list,
        routes::questionnaire::respond,
        routes::proposals::submit,
        routes::proposals::list,
        routes::proposals::support,
        routes::proposals::withdraw,
        routes::proposals::answer,
        routes::budget::add,
        routes::budget::list,
        routes::budget::vote,
        routes::comments::post_on_consultation,
        routes::comments::list_on_consultation,
        routes::comments::post_on_proposal,
        routes::comments::list_on_proposal,
        routes::comments::edit,
        routes::comments::report,
        routes::moderation::hide,
        routes::moderation::restore,
        routes::moderation::queue,
        routes::results::get,
        routes::results::publish,
        routes::results::open_data,
        routes::exports::csv,
        routes::exports::json_export,
        routes::stats::get,
    ),
    components(schemas(
        routes::dto::ConsultationDto,
        routes::manage::ConsultationBody,
        routes::questionnaire::QuestionBody,
        routes::questionnaire::QuestionDto,
        routes::questionnaire::OptionDto,
        routes::questionnaire::AnswerBody,
        routes::questionnaire::ResponseBody,
        routes::proposals::ProposalBody,
        routes::proposals::ProposalDto,
        routes::proposals::AnswerBody,
        routes::budget::ProjectBody,
        routes::budget::ProjectDto,
        routes::budget::BallotBody,
        routes::comments::CommentBody,
        routes::comments::EditBody,
        routes::comments::ReportBody,
        routes::comments::CommentDto,
        routes::moderation::HideBody,
        routes::moderation::RestoreBody,
        routes::moderation::QueuedComment,
        routes::results::ResultsBody,
        routes::results::ResultsText,
        routes::results::ResultsDto,
        routes::results::IdeaBoxResults,
        routes::results::ProposalResult,
        routes::results::BudgetResults,
        crate::domain::results::QuestionResult,
        crate::domain::results::OptionResult,
        crate::domain::results::ValueCount,
        routes::stats::StatsDto,
        routes::stats::DayStats,
        routes::stats::ConsultationStats,
    ))
)]
struct ApiDoc;
