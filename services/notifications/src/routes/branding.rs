//! A town's look in its mails: its logo (an https address) and colour.
use actix_web::{HttpResponse, web};
use chrono::Utc;
use common::{AppState, Problem, Town, auth::Principal, i18n::Text, problem::FieldError};
use entity::tenant;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::render::is_colour;

/// Registers the branding routes (town host).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/admin/branding", web::get().to(get))
        .route("/api/v1/admin/branding", web::put().to(put));
}

/// The logo and colour; `null` goes back to the platform's.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BrandingBody {
    /// An `https://` address of an image, at most 500 characters.
    logo_url: Option<String>,
    /// `#rrggbb`.
    color: Option<String>,
}

async fn current(state: &AppState, town: &Town) -> Result<Value, Problem> {
    let row = tenant::Entity::find_by_id(town.id).one(&state.db).await.map_err(Problem::internal)?;
    let row = row.ok_or_else(Problem::not_found)?;
    Ok(json!({ "logo_url": row.logo_url, "color": row.brand_color }))
}

/// The town's logo and colour.
#[utoipa::path(get, path = "/api/v1/admin/branding", tag = "notifications",
    responses((status = 200, description = "{logo_url, color}"), (status = 403, description = "forbidden")))]
pub async fn get(
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    principal.require_admin()?;
    Ok(HttpResponse::Ok().json(current(&state, &town).await?))
}

/// Sets the town's logo and colour, shown in every mail it sends.
#[utoipa::path(put, path = "/api/v1/admin/branding", tag = "notifications", request_body = BrandingBody,
    responses((status = 200, description = "{logo_url, color}"), (status = 400, description = "validation_failed"), (status = 403, description = "forbidden")))]
pub async fn put(
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    body: web::Json<BrandingBody>,
) -> Result<HttpResponse, Problem> {
    principal.require_admin()?;
    let mut errors = Vec::new();
    let logo = body.logo_url.as_deref().map(str::trim).filter(|l| !l.is_empty());
    if let Some(logo) = logo {
        let fine = logo.chars().count() <= 500
            && url::Url::parse(logo).is_ok_and(|u| u.scheme() == "https" && u.host_str().is_some())
            && !logo.chars().any(|c| c.is_whitespace() || c == '"' || c == '\'' || c.is_control());
        if !fine {
            errors.push(FieldError::new(
                "logo_url",
                Text::fixed("Une adresse https:// d’image.", "An https:// address of an image."),
            ));
        }
    }
    let colour = body.color.as_deref().map(str::trim).filter(|c| !c.is_empty());
    if colour.is_some_and(|c| !is_colour(c)) {
        errors.push(FieldError::new("color", Text::fixed("Une couleur #rrggbb.", "A colour as #rrggbb.")));
    }
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    tenant::Entity::update_many()
        .col_expr(tenant::Column::LogoUrl, Expr::value(logo.map(str::to_owned)))
        .col_expr(tenant::Column::BrandColor, Expr::value(colour.map(str::to_lowercase)))
        .col_expr(tenant::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(tenant::Column::Id.eq(town.id))
        .exec(&state.db)
        .await
        .map_err(Problem::internal)?;
    // The logo is part of the town as its pages resolve it.
    state.resolver.forget_everywhere().await;
    Ok(HttpResponse::Ok().json(current(&state, &town).await?))
}
