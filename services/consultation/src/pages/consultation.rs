//! A consultation's page: what it is about, the questionnaire form, and its
//! comments; answers go through the API's handler.
use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;
use common::{
    AppState, Problem, Town,
    auth::Principal,
    page::{Form, FormData, Frame, Visitor, api},
    tenancy::revisions::post_changing_no_page,
};
use entity::response;
use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use std::sync::Arc;

use uuid::Uuid;

use super::{
    ConsultationView, QuestionView, about_the_form,
    budget::{self, Budget},
    comments::CommentView,
    day,
    ideas::{self, Ideas},
    public_part::{self, Comments, PublicPart},
    read,
};
use crate::routes::questionnaire;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/consultations/{id}", web::get().to(show))
        .service(post_changing_no_page("/consultations/{id}/respond", respond));
}

#[derive(Template)]
#[template(path = "consultation.html")]
struct ConsultationPage<'a> {
    f: Frame,
    c: &'a ConsultationView,
    kind_label: &'static str,
    phase_label: &'static str,
    until: Option<String>,
    questions: &'a [QuestionView],
    responded: bool,
    answers: Form,
    threads: &'a [CommentView],
    comment: Form,
    ideas: Option<Ideas<'a>>,
    proposal: Form,
    budget: Option<Budget<'a>>,
    ballot: Form,
}

/// The forms of the page as they are to be shown (empty, or sent back).
#[derive(Default)]
pub(super) struct Forms {
    pub answers: Form,
    pub comment: Form,
    pub proposal: Form,
    pub ballot: Form,
}

#[derive(serde::Deserialize)]
struct CategoryQuery {
    #[serde(default)]
    category: String,
}

async fn show(
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<Uuid>,
    query: web::Query<CategoryQuery>,
) -> Result<HttpResponse, Problem> {
    let forms = Forms {
        // The category filter is a form too: it keeps its choice.
        proposal: Form::typed(FormData(vec![("filter".into(), query.into_inner().category)])),
        ..Forms::default()
    };
    render(&town, &state, &v, id.into_inner(), forms, StatusCode::OK).await
}

/// The page of consultation `id` with `forms`.
pub(super) async fn render(
    town: &Town,
    state: &web::Data<AppState>,
    v: &Visitor,
    id: Uuid,
    forms: Forms,
    status: StatusCode,
) -> Result<HttpResponse, Problem> {
    let who = v.principal().cloned();
    let staff = who.as_ref().is_some_and(|p| p.role.is_staff());
    let category = forms.proposal.value("filter").to_owned();
    // Staff see drafts and hidden comments: read every time, never kept.
    let part = if staff {
        Arc::new(public_part::read_part(town, state, &who, id, &category, Comments::Read).await?)
    } else {
        public_part::load(town, state, &who, id, &category).await?
    };
    let PublicPart { c, questions, proposals, projects, threads } = &*part;
    let responded = match (&who, c.kind.as_str()) {
        (Some(p), "questionnaire") => has_responded(town, state, p, id).await?,
        _ => false,
    };
    let ideas = match c.kind.as_str() {
        "proposals" => Some(ideas::with_supports(town, state, who.as_ref(), proposals, category).await?),
        _ => None,
    };
    let budget = match c.kind.as_str() {
        "budget" => Some(
            budget::with_ballot(town, state, who.as_ref(), id, projects, c.budget_cents.unwrap_or(0)).await?,
        ),
        _ => None,
    };
    let page = ConsultationPage {
        f: v.frame(c.title.clone()),
        kind_label: kind_label(v, &c.kind),
        phase_label: phase_label(v, &c.phase),
        until: c.closes_at.as_ref().filter(|_| c.is_open()).map(day),
        c,
        questions,
        responded,
        answers: forms.answers,
        threads,
        comment: forms.comment,
        ideas,
        proposal: forms.proposal,
        budget,
        ballot: forms.ballot,
    };
    v.render_with(status, &page)
}

async fn has_responded(town: &Town, state: &AppState, p: &Principal, id: Uuid) -> Result<bool, Problem> {
    let count = town
        .scope()
        .find::<response::Entity>()
        .filter(response::Column::ConsultationId.eq(id))
        .filter(response::Column::UserId.eq(p.user_id))
        .count(&state.db)
        .await
        .map_err(Problem::internal)?;
    Ok(count > 0)
}

/// The kind, as a citizen reads it.
pub(super) fn kind_label(v: &Visitor, kind: &str) -> &'static str {
    match kind {
        "questionnaire" => v.t("Questionnaire", "Questionnaire"),
        "proposals" => v.t("Boîte à idées", "Idea box"),
        _ => v.t("Budget participatif", "Participatory budget"),
    }
}

/// Where it stands, as a citizen reads it.
pub(super) fn phase_label(v: &Visitor, phase: &str) -> &'static str {
    match phase {
        "draft" => v.t("Brouillon", "Draft"),
        "upcoming" => v.t("Bientôt ouverte", "Opening soon"),
        "open" => v.t("Ouverte", "Open"),
        "closed" => v.t("Terminée", "Closed"),
        _ => v.t("Archivée", "Archived"),
    }
}

/// The answers of the form, in the API's shape, in question order.
fn answers_of(questions: &[QuestionView], data: &FormData) -> Vec<Value> {
    let mut answers = Vec::new();
    for q in questions {
        let name = q.field();
        match q.kind.as_str() {
            "text" => {
                if let Some(text) = data.non_empty(&name) {
                    answers.push(json!({ "question_id": q.id, "text": text }));
                }
            }
            "scale" => {
                // A value that is not a number is sent as it is, for the API to refuse.
                if let Some(raw) = data.non_empty(&name) {
                    let value = raw.parse::<i32>().map_or(Value::String(raw), Value::from);
                    answers.push(json!({ "question_id": q.id, "value": value }));
                }
            }
            _ => {
                let chosen = data.all(&name);
                if !chosen.is_empty() {
                    answers.push(json!({ "question_id": q.id, "option_ids": chosen }));
                }
            }
        }
    }
    answers
}

/// The page field an API error on `answers[i]…` or `answers.{id}` is about.
fn field_of(api_field: &str, sent: &[Value]) -> String {
    if let Some(id) = api_field.strip_prefix("answers.") {
        return format!("q-{id}");
    }
    let index = api_field
        .strip_prefix("answers[")
        .and_then(|rest| rest.split(']').next())
        .and_then(|i| i.parse::<usize>().ok());
    match index.and_then(|i| sent.get(i)).and_then(|a| a.get("question_id")).and_then(Value::as_str) {
        Some(id) => format!("q-{id}"),
        None => "answers".to_owned(),
    }
}

async fn respond(
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<Uuid>,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let id = id.into_inner();
    let me = common::caller!(v);
    let questions: Vec<QuestionView> =
        read(questionnaire::list(town.clone(), Some(me.clone()), state.clone(), web::Path::from(id)).await)
            .await?;
    let sent = answers_of(&questions, &data);
    // A malformed value makes the body unreadable: it is refused like any wrong answer.
    let outcome = match api::body(json!({ "answers": sent })) {
        Ok(body) => questionnaire::respond(town.clone(), me, state.clone(), web::Path::from(id), body).await,
        Err(_) => Err(Problem::validation(Vec::new())),
    };
    match outcome {
        Ok(_) => Ok(v.redirect(&format!("/consultations/{id}?ok=response"))),
        Err(p) if about_the_form(&p) => {
            let mut answers = Form::typed(data);
            answers.absorb(&p, v.lang, "answers", |f| field_of(f, &sent));
            let forms = Forms { answers, ..Forms::default() };
            render(&town, &state, &v, id, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(p) => Err(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_errors_land_on_their_question() {
        let sent = vec![json!({ "question_id": "a1" }), json!({ "question_id": "b2" })];
        assert_eq!(field_of("answers[1].option_ids", &sent), "q-b2");
        assert_eq!(field_of("answers[0]", &sent), "q-a1");
        assert_eq!(field_of("answers.c3", &sent), "q-c3");
        assert_eq!(field_of("answers[9]", &sent), "answers");
    }
}
