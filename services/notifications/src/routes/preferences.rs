//! A citizen's choices: for each kind of news, as it happens, in the weekly digest, or not at all.
use actix_web::{HttpResponse, web};
use chrono::Utc;
use common::{AppState, Problem, Town, auth::Principal, i18n::Text, problem::FieldError};
use entity::{notification_preference, user};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set, sea_query::OnConflict};
use serde::Deserialize;
use serde_json::Value;

use crate::topics::{Preferences, Timing};

/// Registers the preference routes (town host).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/me/notifications", web::get().to(get))
        .route("/api/v1/me/notifications", web::put().to(put));
}

/// Changes to make; a field left out keeps its value, `digest` sets them all first.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct PreferencesBody {
    new_consultations: Option<Value>,
    results: Option<Value>,
    replies: Option<Value>,
    proposal_answers: Option<Value>,
    /// `immediate`, `weekly` or `off` for every kind at once.
    digest: Option<Value>,
    /// `fr` or `en`: the language of the mails.
    language: Option<Value>,
}

async fn stored(
    state: &AppState,
    town: &Town,
    principal: &Principal,
) -> Result<(Preferences, String), Problem> {
    let row = town
        .scope()
        .find::<notification_preference::Entity>()
        .filter(notification_preference::Column::UserId.eq(principal.user_id))
        .one(&state.db)
        .await
        .map_err(Problem::internal)?;
    let language = row.as_ref().map_or_else(|| "fr".to_owned(), |r| r.language.clone());
    Ok((row.as_ref().map(Preferences::of).unwrap_or_default(), language))
}

fn shown(prefs: Preferences, language: &str) -> Value {
    let mut value = serde_json::to_value(prefs).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        object.insert("language".into(), Value::from(language));
    }
    value
}

/// The caller's choices (defaults until they change them).
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "notifications",
    responses((status = 200, body = Preferences), (status = 401, description = "unauthenticated")))]
pub async fn get(
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let (prefs, language) = stored(&state, &town, &principal).await?;
    Ok(HttpResponse::Ok().json(shown(prefs, &language)))
}

/// `immediate`, `weekly` or `off` (booleans read as `immediate` or `off`).
fn timing(field: &str, raw: &Value, errors: &mut Vec<FieldError>) -> Option<Timing> {
    let parsed = match raw {
        Value::Bool(true) => Some(Timing::Immediate),
        Value::Bool(false) => Some(Timing::Off),
        Value::String(s) if ["immediate", "weekly", "off"].contains(&s.as_str()) => {
            Some(Timing::parse_or(s, Timing::Off))
        }
        _ => None,
    };
    if parsed.is_none() {
        errors.push(FieldError::new(
            field,
            Text::fixed("immediate, weekly ou off.", "immediate, weekly or off."),
        ));
    }
    parsed
}

/// Changes the caller's choices; every field is checked before anything is stored.
#[utoipa::path(put, path = "/api/v1/me/notifications", tag = "notifications", request_body = PreferencesBody,
    responses((status = 200, body = Preferences), (status = 400, description = "validation_failed"), (status = 401, description = "unauthenticated")))]
pub async fn put(
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    body: web::Json<PreferencesBody>,
) -> Result<HttpResponse, Problem> {
    let (mut prefs, mut language) = stored(&state, &town, &principal).await?;
    let mut errors = Vec::new();
    match body.language.as_ref() {
        None => {}
        Some(Value::String(l)) if l == "fr" || l == "en" => language = l.clone(),
        Some(_) => errors.push(FieldError::new("language", Text::fixed("fr ou en.", "fr or en."))),
    }
    if let Some(all) = body.digest.as_ref().and_then(|v| timing("digest", v, &mut errors)) {
        prefs = Preferences { new_consultations: all, results: all, replies: all, proposal_answers: all };
    }
    for (field, value, slot) in [
        ("new_consultations", &body.new_consultations, &mut prefs.new_consultations),
        ("results", &body.results, &mut prefs.results),
        ("replies", &body.replies, &mut prefs.replies),
        ("proposal_answers", &body.proposal_answers, &mut prefs.proposal_answers),
    ] {
        if let Some(t) = value.as_ref().and_then(|v| timing(field, v, &mut errors)) {
            *slot = t;
        }
    }
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    // Only an account of this town has preferences here (the token says which town).
    let known = town
        .scope()
        .find::<user::Entity>()
        .filter(user::Column::Id.eq(principal.user_id))
        .one(&state.db)
        .await
        .map_err(Problem::internal)?;
    if known.is_none() {
        return Err(common::auth::unauthenticated());
    }
    let row = notification_preference::ActiveModel {
        user_id: Set(principal.user_id),
        tenant_id: Set(town.id),
        new_consultations: Set(prefs.new_consultations.as_str().into()),
        results: Set(prefs.results.as_str().into()),
        replies: Set(prefs.replies.as_str().into()),
        proposal_answers: Set(prefs.proposal_answers.as_str().into()),
        language: Set(language.clone()),
        updated_at: Set(Utc::now()),
    };
    notification_preference::Entity::insert(row)
        .on_conflict(
            OnConflict::column(notification_preference::Column::UserId)
                .update_columns([
                    notification_preference::Column::NewConsultations,
                    notification_preference::Column::Results,
                    notification_preference::Column::Replies,
                    notification_preference::Column::ProposalAnswers,
                    notification_preference::Column::Language,
                    notification_preference::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&state.db)
        .await
        .map_err(Problem::internal)?;
    Ok(HttpResponse::Ok().json(shown(prefs, &language)))
}
