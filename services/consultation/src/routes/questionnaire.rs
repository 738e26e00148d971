//! Questions (admins, on drafts) and responses (verified citizens, once).
use actix_web::{HttpResponse, http::StatusCode, web};
use common::{AppState, Problem, Town, auth::Principal, tenancy::revisions::post_changing_no_page};
use entity::{consultation, question, question_option};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    domain::{
        consultation::Kind,
        questionnaire::{AskedQuestion, GivenAnswer, NewQuestion, QuestionKind, check_answers},
        status::DRAFT,
    },
    routes::access::{Viewer, conflict, open_for, visible},
    store::{consultations, questionnaires, responses},
};

/// Registers question and response routes on one consultation, inside its scope (town host).
pub fn on_consultation(cfg: &mut web::ServiceConfig) {
    cfg.route("/questions", web::post().to(add))
        .route("/questions", web::get().to(list))
        // A response shows on no kept page (results are read when asked).
        .service(post_changing_no_page("/responses", respond));
}

/// A question to add.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct QuestionBody {
    /// `single_choice`, `multiple_choice`, `text` or `scale`.
    kind: String,
    label: String,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    options: Vec<String>,
    min: Option<i32>,
    max: Option<i32>,
}

/// A question with its options, in order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QuestionDto {
    id: Uuid,
    position: i32,
    kind: String,
    label: String,
    required: bool,
    min: Option<i32>,
    max: Option<i32>,
    options: Vec<OptionDto>,
}

/// One option of a choice question.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OptionDto {
    id: Uuid,
    label: String,
}

fn dto((q, options): &(question::Model, Vec<question_option::Model>)) -> QuestionDto {
    QuestionDto {
        id: q.id,
        position: q.position,
        kind: q.kind.clone(),
        label: q.label.clone(),
        required: q.required,
        min: q.min_value,
        max: q.max_value,
        options: options.iter().map(|o| OptionDto { id: o.id, label: o.label.clone() }).collect(),
    }
}

/// Adds a question to a draft questionnaire.
#[utoipa::path(post, path = "/api/v1/consultations/{id}/questions", tag = "consultations", request_body = QuestionBody,
    responses((status = 201, body = QuestionDto), (status = 400, description = "validation_failed"), (status = 409, description = "conflict")))]
pub async fn add(
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<QuestionBody>,
) -> Result<HttpResponse, Problem> {
    principal.require_admin()?;
    let id = id.into_inner();
    let q = NewQuestion::parse(&body.kind, &body.label, body.required, &body.options, body.min, body.max)
        .map_err(Problem::validation)?;
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    let c = consultations::get(&txn, town.scope(), id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(Problem::not_found)?;
    if c.kind != "questionnaire" {
        return Err(conflict(
            "Seul un questionnaire a des questions.",
            "Only a questionnaire has questions.",
        ));
    }
    if c.status != DRAFT {
        return Err(conflict(
            "Les questions se modifient tant que la consultation est un brouillon.",
            "Questions change only while the consultation is a draft.",
        ));
    }
    let added = questionnaires::add_question(&txn, town.scope(), id, &q).await.map_err(Problem::internal)?;
    txn.commit().await.map_err(Problem::internal)?;
    Ok(HttpResponse::Created().json(dto(&added)))
}

/// The questions of a consultation one may see.
#[utoipa::path(get, path = "/api/v1/consultations/{id}/questions", tag = "consultations",
    responses((status = 200, body = [QuestionDto]), (status = 404)))]
pub async fn list(
    town: Town,
    principal: Option<Principal>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let id = id.into_inner();
    let c = visible(&state, &town, Viewer::of(&principal), id).await?;
    Ok(HttpResponse::Ok().json(questions_of(&state, &town, &c).await?))
}

/// The questions of `c`, which the caller may see, as the API gives them.
pub(crate) async fn questions_of(
    state: &AppState,
    town: &Town,
    c: &consultation::Model,
) -> Result<Vec<QuestionDto>, Problem> {
    let rows = questionnaires::of(&state.db, town.scope(), c).await.map_err(Problem::internal)?;
    Ok(rows.iter().map(dto).collect())
}

/// One answer as sent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AnswerBody {
    question_id: Uuid,
    #[serde(default)]
    option_ids: Vec<Uuid>,
    text: Option<String>,
    value: Option<i32>,
}

/// A citizen's answers, all together.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ResponseBody {
    answers: Vec<AnswerBody>,
}

/// Answers a questionnaire, once; all answers are checked before anything is stored.
#[utoipa::path(post, path = "/api/v1/consultations/{id}/responses", tag = "consultations", request_body = ResponseBody,
    responses((status = 201), (status = 400, description = "validation_failed"), (status = 403, description = "email_unverified"),
        (status = 409, description = "already_responded, consultation_not_open")))]
pub async fn respond(
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<ResponseBody>,
) -> Result<HttpResponse, Problem> {
    let id = id.into_inner();
    let c = open_for(&state, &town, id, Some(Kind::Questionnaire)).await?;
    let asked: Vec<AskedQuestion> = questionnaires::of(&state.db, town.scope(), &c)
        .await
        .map_err(Problem::internal)?
        .iter()
        .filter_map(|(q, options)| {
            Some(AskedQuestion {
                id: q.id,
                kind: QuestionKind::parse(&q.kind)?,
                required: q.required,
                min: q.min_value,
                max: q.max_value,
                options: options.iter().map(|o| o.id).collect(),
            })
        })
        .collect();
    let given: Vec<GivenAnswer> = body
        .into_inner()
        .answers
        .into_iter()
        .map(|a| GivenAnswer {
            question_id: a.question_id,
            option_ids: a.option_ids,
            text: a.text,
            value: a.value,
        })
        .collect();
    let rows = check_answers(&asked, &given).map_err(Problem::validation)?;
    // The address is checked by the insert itself: one round trip on PostgreSQL.
    let stored = responses::store_if_verified(&state.db, town.scope(), id, principal.user_id, &rows)
        .await?
        .ok_or_else(|| Problem::new(StatusCode::FORBIDDEN, "email_unverified"))?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "id": stored })))
}
