//! Comments as pages show them, and posting one (or a reply) from a form.
use actix_web::{HttpResponse, http::StatusCode, web};
use chrono::{DateTime, Utc};
use common::{
    AppState, Problem, Town,
    page::{Form, FormData, Frame, Visitor, api},
};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{
    about_the_form,
    consultation::{Forms, render},
};
use crate::routes::comments as comment_routes;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/consultations/{id}/comment", web::post().to(post));
}

/// A comment as the API gives it, with what the page adds.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CommentView {
    pub id: Uuid,
    pub author: Option<String>,
    pub body_html: Option<String>,
    pub hidden: bool,
    pub moderation_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub reply_count: Option<i64>,
    #[serde(default)]
    pub replies: Option<Vec<CommentView>>,
}

impl CommentView {
    /// Who wrote it, in the words of `f`'s language for a deleted account.
    pub fn author_name<'a>(&'a self, f: &'a Frame) -> &'a str {
        self.author.as_deref().unwrap_or_else(|| f.t("Ancien compte", "Former account"))
    }

    /// When, in the town's time.
    pub fn when(&self) -> String {
        self.created_at.with_timezone(&chrono_tz::Europe::Paris).format("%d/%m/%Y %H:%M").to_string()
    }

    /// The form field of a report of it.
    pub fn report_field(&self) -> String {
        format!("report-{}", self.id)
    }

    /// The form field of a reply to it.
    pub fn reply_field(&self) -> String {
        format!("reply-{}", self.id)
    }
}

async fn post(
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<Uuid>,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let id = id.into_inner();
    let me = common::caller!(v);
    let parent = data.non_empty("parent_id").and_then(|p| p.parse::<Uuid>().ok());
    let field = parent.map_or_else(|| "body".to_owned(), |p| format!("reply-{p}"));
    let body = api::body(json!({ "body": data.get(&field), "parent_id": parent }))?;
    match comment_routes::post_on_consultation(town.clone(), me, state.clone(), web::Path::from(id), body)
        .await
    {
        Ok(_) => Ok(v.redirect(&format!("/consultations/{id}?ok=comment#commentaires"))),
        Err(p) if about_the_form(&p) => {
            let mut comment = Form::typed(data);
            comment.absorb(&p, v.lang, &field, |_| field.clone());
            let forms = Forms { comment, ..Forms::default() };
            render(&town, &state, &v, id, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(p) => Err(p),
    }
}
