//! A participatory budget on its page: projects to tick within the envelope,
//! a total computed by the server on request (and live by a small script when
//! scripts run), and the one ballot each citizen casts.
use actix_web::{HttpResponse, http::StatusCode, web};
use common::{
    AppState, Problem, Town,
    auth::Principal,
    page::{Form, FormData, Visitor, api},
};
use entity::ballot;
use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{
    about_the_form,
    consultation::{Forms, render},
    results::euros,
};
use crate::routes::budget;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/consultations/{id}/ballot", web::post().to(vote));
}

/// A project as the API gives it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ProjectView {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub cost_cents: i64,
}

impl ProjectView {
    /// Its cost, in euros.
    pub fn cost(&self) -> String {
        euros(self.cost_cents)
    }
}

/// What a budget's page shows.
pub(crate) struct Budget<'a> {
    pub projects: &'a [ProjectView],
    pub envelope_cents: i64,
    pub voted: bool,
}

impl Budget<'_> {
    /// The envelope, in euros.
    pub fn envelope(&self) -> String {
        euros(self.envelope_cents)
    }

    fn ticked_cents(&self, form: &Form) -> i64 {
        self.projects.iter().filter(|p| form.checked("project_ids", p.id)).map(|p| p.cost_cents).sum()
    }

    /// The cost of the projects ticked on `form`.
    pub fn total(&self, form: &Form) -> String {
        euros(self.ticked_cents(form))
    }

    /// Whether the projects ticked on `form` cost more than the envelope.
    pub fn over(&self, form: &Form) -> bool {
        self.ticked_cents(form) > self.envelope_cents
    }
}

/// A budget's projects, with whether `who` has voted.
pub(super) async fn with_ballot<'a>(
    town: &Town,
    state: &web::Data<AppState>,
    who: Option<&Principal>,
    id: Uuid,
    projects: &'a [ProjectView],
    envelope_cents: i64,
) -> Result<Budget<'a>, Problem> {
    let voted = match who {
        None => false,
        Some(p) => {
            town.scope()
                .find::<ballot::Entity>()
                .filter(ballot::Column::ConsultationId.eq(id))
                .filter(ballot::Column::UserId.eq(p.user_id))
                .count(&state.db)
                .await
                .map_err(Problem::internal)?
                > 0
        }
    };
    Ok(Budget { projects, envelope_cents, voted })
}

/// Casts the ballot, or (`action=total`) only shows the total of the ticked projects.
async fn vote(
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<Uuid>,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let id = id.into_inner();
    let me = common::caller!(v);
    if data.get("action") == "total" {
        let forms = Forms { ballot: Form::typed(data), ..Forms::default() };
        return render(&town, &state, &v, id, forms, StatusCode::OK).await;
    }
    let chosen: Vec<&str> = data.all("project_ids");
    let outcome = match api::body(json!({ "project_ids": chosen })) {
        Ok(body) => budget::vote(town.clone(), me, state.clone(), web::Path::from(id), body).await,
        Err(_) => Err(Problem::validation(Vec::new())),
    };
    match outcome {
        Ok(_) => Ok(v.redirect(&format!("/consultations/{id}?ok=ballot"))),
        Err(p) if about_the_form(&p) => {
            let mut ballot = Form::typed(data);
            ballot.absorb(&p, v.lang, "project_ids", |_| "project_ids".to_owned());
            let forms = Forms { ballot, ..Forms::default() };
            render(&town, &state, &v, id, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(p) => Err(p),
    }
}
