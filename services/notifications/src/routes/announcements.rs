//! Announcements: a town admin writes to everyone who hears from the town,
//! after a preview and a test sent to themselves; a few a day at most.
use actix_web::{HttpResponse, http::StatusCode, web};
use chrono::{Duration, Utc};
use common::{
    AppState, Problem, Town,
    auth::Principal,
    i18n::{Lang, Text},
    outbox::{self, NewEvent},
    problem::FieldError,
};
use entity::{outbox as outbox_row, user};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::{
    compose::town_sender_name,
    render::{Brand, MailTemplate, render},
};

/// Registers the announcement routes (town host).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/admin/announcements", web::post().to(send))
        .route("/api/v1/admin/announcements/preview", web::post().to(preview));
}

/// An announcement as the admin writes it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AnnouncementBody {
    subject: String,
    /// Plain text or light Markdown; paragraphs are separated by a blank line.
    body: String,
    /// `true`: only to the admin's own address, not counted against the day's limit.
    #[serde(default)]
    test: bool,
}

fn checked(body: &AnnouncementBody) -> Result<(String, String), Problem> {
    let mut errors = Vec::new();
    let subject = body.subject.trim();
    if subject.is_empty() || subject.chars().count() > 150 || subject.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "subject",
            Text::fixed("De 1 à 150 caractères, sur une ligne.", "1 to 150 characters, on one line."),
        ));
    }
    let text = body.body.trim();
    let bad_char = |c: char| c.is_control() && !"\n\r\t".contains(c);
    if text.is_empty() || text.chars().count() > 20_000 || text.chars().any(bad_char) {
        errors.push(FieldError::new(
            "body",
            Text::fixed("De 1 à 20 000 caractères.", "1 to 20,000 characters."),
        ));
    }
    if errors.is_empty() {
        Ok((subject.to_owned(), text.to_owned()))
    } else {
        Err(Problem::validation(errors))
    }
}

/// The mail as subscribers will read it (its text and HTML), without sending anything.
#[utoipa::path(post, path = "/api/v1/admin/announcements/preview", tag = "notifications", request_body = AnnouncementBody,
    responses((status = 200, description = "{subject, text, html}"), (status = 400, description = "validation_failed"), (status = 403, description = "forbidden")))]
pub async fn preview(
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    body: web::Json<AnnouncementBody>,
) -> Result<HttpResponse, Problem> {
    principal.require_admin()?;
    let (subject, text) = checked(&body)?;
    let mail = MailTemplate::Notice { subject, body: text, markdown: true };
    let row = entity::tenant::Entity::find_by_id(town.id).one(&state.db).await.map_err(Problem::internal)?;
    let shown = render(&mail, Lang::Fr, &town_sender_name(&town.name), &Brand::of(row.as_ref()), Some("#"))
        .map_err(Problem::internal)?;
    Ok(HttpResponse::Ok().json(json!({ "subject": shown.subject, "text": shown.text, "html": shown.html })))
}

/// Sends the announcement to every confirmed subscriber and verified citizen
/// of the town who has not unsubscribed from announcements; with `test`, to
/// the admin alone. 202: the worker sends it.
#[utoipa::path(post, path = "/api/v1/admin/announcements", tag = "notifications", request_body = AnnouncementBody,
    responses((status = 202, description = "{id, test}"), (status = 400, description = "validation_failed"), (status = 403, description = "forbidden"),
        (status = 429, description = "rate_limited: the day's announcements are sent")))]
pub async fn send(
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    body: web::Json<AnnouncementBody>,
) -> Result<HttpResponse, Problem> {
    principal.require_admin()?;
    let (subject, text) = checked(&body)?;
    let id = Uuid::now_v7();
    let mail =
        json!({ "template": "notice", "params": { "subject": subject, "body": text, "markdown": true } });
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    let (kind, payload) = if body.test {
        let me = town
            .scope()
            .find::<user::Entity>()
            .filter(user::Column::Id.eq(principal.user_id))
            .one(&txn)
            .await
            .map_err(Problem::internal)?
            .ok_or_else(common::auth::unauthenticated)?;
        ("announcement.test", json!({ "recipients": [me.email], "topic": "announcements", "mail": mail }))
    } else {
        // Counted inside the write transaction: two admins at once cannot both pass the limit.
        let today = town
            .scope()
            .find::<outbox_row::Entity>()
            .filter(outbox_row::Column::Kind.eq("announcement.sent"))
            .filter(outbox_row::Column::CreatedAt.gte(Utc::now() - Duration::hours(24)))
            .count(&txn)
            .await
            .map_err(Problem::internal)?;
        if today >= u64::from(state.config.announcements_per_day) {
            return Err(Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited").with_detail(Text::new(
                format!("{} annonces par 24 heures au plus.", state.config.announcements_per_day),
                format!("At most {} announcements per 24 hours.", state.config.announcements_per_day),
            )));
        }
        (
            "announcement.sent",
            json!({ "recipients": [], "topic": "announcements", "audience": { "everyone": true }, "mail": mail }),
        )
    };
    let event = NewEvent { kind: kind.into(), payload, idempotency_key: format!("announcement:{id}") };
    outbox::record(&txn, Some(town.scope()), event).await.map_err(Problem::internal)?;
    txn.commit().await.map_err(Problem::internal)?;
    Ok(HttpResponse::Accepted().json(json!({ "id": id, "test": body.test })))
}
