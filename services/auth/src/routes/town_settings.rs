//! What a town says about itself: the name its pages show, a public contact
//! address, and its legal notice, privacy notice and accessibility statement.
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use common::{
    AppState, Problem, Town,
    audit::{self, Actor, AuditEntry},
    auth::Principal,
    domain::Email,
    i18n::Text,
    problem::FieldError,
};
use entity::tenant;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde::{Deserialize, Serialize};

/// Registers the town settings routes (town host, admins).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/admin/town", web::get().to(get)).route("/api/v1/admin/town", web::put().to(put));
}

/// Longest legal text, in characters.
const TEXT_MAX: usize = 20_000;

/// The town's settings; an empty or absent text means the platform's default.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct TownSettings {
    /// The name the pages show, 2 to 80 characters on one line.
    name: String,
    #[serde(default)]
    public_email: Option<String>,
    /// Markdown.
    #[serde(default)]
    legal_notice: Option<String>,
    /// Markdown.
    #[serde(default)]
    privacy_notice: Option<String>,
    /// Markdown.
    #[serde(default)]
    accessibility_statement: Option<String>,
}

impl TownSettings {
    fn of(t: tenant::Model) -> Self {
        TownSettings {
            name: t.name,
            public_email: t.public_email,
            legal_notice: t.legal_notice,
            privacy_notice: t.privacy_notice,
            accessibility_statement: t.accessibility_statement,
        }
    }
}

fn blank_to_none(text: Option<&str>) -> Option<String> {
    text.map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned)
}

/// The settings checked all at once: every field at fault is named.
fn checked(body: &TownSettings) -> Result<TownSettings, Problem> {
    let mut errors = Vec::new();
    let name = body.name.trim().to_owned();
    if !(2..=80).contains(&name.chars().count()) || name.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "name",
            Text::fixed("De 2 à 80 caractères, sur une ligne.", "2 to 80 characters, on one line."),
        ));
    }
    let public_email = match blank_to_none(body.public_email.as_deref()) {
        None => None,
        Some(raw) => match Email::parse(&raw) {
            Ok(email) => Some(email.as_ref().to_owned()),
            Err(_) => {
                errors.push(FieldError::new(
                    "public_email",
                    Text::fixed("Adresse e-mail invalide.", "Invalid e-mail address."),
                ));
                None
            }
        },
    };
    let mut text = |field: &'static str, value: Option<&str>| {
        let value = blank_to_none(value);
        if value.as_ref().is_some_and(|v| v.chars().count() > TEXT_MAX) {
            errors.push(FieldError::new(
                field,
                Text::fixed("20 000 caractères au plus.", "At most 20,000 characters."),
            ));
        }
        value
    };
    let legal_notice = text("legal_notice", body.legal_notice.as_deref());
    let privacy_notice = text("privacy_notice", body.privacy_notice.as_deref());
    let accessibility_statement = text("accessibility_statement", body.accessibility_statement.as_deref());
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    Ok(TownSettings { name, public_email, legal_notice, privacy_notice, accessibility_statement })
}

/// The town's settings (admins).
#[utoipa::path(get, path = "/api/v1/admin/town", tag = "towns",
    responses((status = 200, body = TownSettings), (status = 403, description = "forbidden")))]
pub async fn get(
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    principal.require_admin()?;
    let row = tenant::Entity::find_by_id(town.id).one(&state.db).await.map_err(Problem::internal)?;
    Ok(HttpResponse::Ok().json(TownSettings::of(row.ok_or_else(Problem::not_found)?)))
}

/// Replaces the town's settings; every field is checked before anything is stored.
#[utoipa::path(put, path = "/api/v1/admin/town", tag = "towns", request_body = TownSettings,
    responses((status = 200, body = TownSettings), (status = 400, description = "validation_failed"), (status = 403, description = "forbidden")))]
pub async fn put(
    req: HttpRequest,
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    body: web::Json<TownSettings>,
) -> Result<HttpResponse, Problem> {
    principal.require_admin()?;
    let settings = checked(&body)?;
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    let row = tenant::ActiveModel {
        id: Set(town.id),
        name: Set(settings.name.clone()),
        public_email: Set(settings.public_email.clone()),
        legal_notice: Set(settings.legal_notice.clone()),
        privacy_notice: Set(settings.privacy_notice.clone()),
        accessibility_statement: Set(settings.accessibility_statement.clone()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    let saved = row.update(&txn).await.map_err(Problem::internal)?;
    let actor = Actor {
        user_id: Some(principal.user_id),
        label: principal.role.as_str().to_owned(),
        ip: req.peer_addr().map(|a| a.ip().to_string()),
    };
    let entry = AuditEntry {
        action: "town.settings",
        tenant_id: Some(town.id),
        target_type: "tenant",
        target_id: Some(town.id.to_string()),
        details: Some(serde_json::json!({ "name": settings.name })),
    };
    audit::record(&txn, &actor, entry).await.map_err(Problem::internal)?;
    txn.commit().await.map_err(Problem::internal)?;
    // The name is part of the town as every request resolves it.
    state.resolver.forget_everywhere().await;
    Ok(HttpResponse::Ok().json(TownSettings::of(saved)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(name: &str, email: Option<&str>, notice: Option<String>) -> TownSettings {
        TownSettings {
            name: name.into(),
            public_email: email.map(str::to_owned),
            legal_notice: notice,
            privacy_notice: Some("  ".into()),
            accessibility_statement: None,
        }
    }

    #[test]
    fn settings_are_checked_together() {
        let fine = checked(&settings(" Hanches ", Some(" "), Some("**Mairie**".into()))).unwrap();
        assert_eq!((fine.name.as_str(), fine.public_email, fine.privacy_notice), ("Hanches", None, None));
        let bad =
            checked(&settings("H\nX", Some("pas une adresse"), Some("x".repeat(TEXT_MAX + 1)))).unwrap_err();
        let fields: Vec<_> = bad.field_errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "public_email", "legal_notice"]);
    }
}
