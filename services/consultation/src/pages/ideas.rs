//! An idea box on its page: proposals (by category), supports given and
//! withdrawn with a button, and a form to propose.
use std::collections::HashSet;

use actix_web::{HttpResponse, http::StatusCode, web};
use chrono::{DateTime, Utc};
use common::{
    AppState, Problem, Town,
    auth::Principal,
    page::{Form, FormData, Visitor, api},
};
use entity::support;
use sea_orm::{ColumnTrait, QueryFilter};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{
    about_the_form,
    consultation::{Forms, render},
};
use crate::routes::proposals;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/consultations/{id}/propose", web::post().to(propose))
        .route("/consultations/{id}/support/{proposal}", web::post().to(support));
}

/// A proposal as the API gives it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ProposalView {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    pub category: Option<String>,
    pub author: Option<String>,
    pub status: String,
    pub answer: Option<String>,
    pub supports: i32,
    pub created_at: DateTime<Utc>,
}

impl ProposalView {
    /// When it was proposed, in the town's time.
    pub fn day(&self) -> String {
        super::day(&self.created_at)
    }
}

/// What an idea box's page shows.
pub(crate) struct Ideas<'a> {
    pub proposals: &'a [ProposalView],
    pub supported: HashSet<Uuid>,
    /// The category the list is filtered on ("" for all).
    pub category: String,
}

impl Ideas<'_> {
    /// Whether the visitor supports `id`.
    pub fn supports(&self, id: &Uuid) -> bool {
        self.supported.contains(id)
    }

    /// The status as a citizen reads it.
    pub fn status_label<'a>(&self, f: &'a common::page::Frame, status: &str) -> &'a str {
        match status {
            "under_review" => f.t("À l’étude", "Under review"),
            "accepted" => f.t("Retenue", "Accepted"),
            "rejected" => f.t("Non retenue", "Not accepted"),
            "implemented" => f.t("Réalisée", "Implemented"),
            _ => f.t("Publiée", "Published"),
        }
    }
}

/// The proposals of an idea box, with those `who` supports.
pub(super) async fn with_supports<'a>(
    town: &Town,
    state: &web::Data<AppState>,
    who: Option<&Principal>,
    proposals: &'a [ProposalView],
    category: String,
) -> Result<Ideas<'a>, Problem> {
    let supported = match who {
        None => HashSet::new(),
        Some(p) => town
            .scope()
            .find::<support::Entity>()
            .filter(support::Column::UserId.eq(p.user_id))
            .filter(support::Column::ProposalId.is_in(proposals.iter().map(|p| p.id)))
            .all(&state.db)
            .await
            .map_err(Problem::internal)?
            .into_iter()
            .map(|s| s.proposal_id)
            .collect(),
    };
    Ok(Ideas { proposals, supported, category })
}

async fn propose(
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<Uuid>,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let id = id.into_inner();
    let me = common::caller!(v);
    let body = api::body(json!({
        "title": data.get("title"), "body": data.get("body"), "category": data.non_empty("category"),
    }))?;
    match proposals::submit(town.clone(), me, state.clone(), web::Path::from(id), body).await {
        Ok(_) => Ok(v.redirect(&format!("/consultations/{id}?ok=proposed#propositions"))),
        Err(p) if about_the_form(&p) => {
            let mut proposal = Form::typed(data);
            proposal.absorb(&p, v.lang, "title", str::to_owned);
            let forms = Forms { proposal, ..Forms::default() };
            render(&town, &state, &v, id, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(p) => Err(p),
    }
}

/// Gives (`on=1`) or withdraws a support, then back to the proposal.
async fn support(
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    path: web::Path<(Uuid, Uuid)>,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let (id, proposal) = path.into_inner();
    let me = common::caller!(v);
    let done = if data.get("on") == "1" {
        proposals::support(town, me, state, web::Path::from(proposal)).await
    } else {
        proposals::withdraw(town, me, state, web::Path::from(proposal)).await
    };
    done?;
    Ok(v.redirect(&format!("/consultations/{id}#proposition-{proposal}")))
}
