//! The town's pages (HTML, no JavaScript needed): its home page, and the
//! stylesheet carrying its colour when that colour is readable.
use actix_web::{HttpResponse, http::header, web};
use askama::Template;
use common::{
    AppState, Problem, Town,
    page::{Frame, Visitor},
};
use entity::{consultation, tenant};
use sea_orm::EntityTrait;
use uuid::Uuid;

use crate::store::{consultations, consultations::Listing};

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().guard(common::tenancy::on_town()).to(home))
        .route("/town.css", web::get().to(town_css));
}

/// A consultation as the home page lists it.
struct Item {
    id: Uuid,
    title: String,
    summary: String,
    until: Option<String>,
    has_results_text: bool,
}

impl Item {
    fn of(c: consultation::Model) -> Item {
        Item {
            id: c.id,
            until: c.closes_at.map(|t| t.format("%d/%m/%Y").to_string()),
            has_results_text: c.results_published_at.is_some(),
            title: c.title,
            summary: c.summary,
        }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    f: Frame,
    open: Vec<Item>,
    closed: Vec<Item>,
}

/// Open consultations first, then the closed ones with their results (those
/// open to everyone: the page is the same for every visitor).
pub async fn home(town: Town, v: Visitor, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let public_only = v.principal().is_none();
    let list = |listing| consultations::list(&state.db, town.scope(), listing, public_only, 50, 0);
    let open = list(Listing::Open).await.map_err(Problem::internal)?;
    let closed = list(Listing::Closed).await.map_err(Problem::internal)?;
    v.render(&Home {
        f: v.frame(v.t("Consultations", "Consultations")),
        open: open.into_iter().map(Item::of).collect(),
        closed: closed.into_iter().map(Item::of).collect(),
    })
}

/// `:root { --town: … }` with the town's colour if it reads well on white
/// (contrast of 4.5:1 at least); otherwise the platform's.
pub async fn town_css(town: Town, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let row = tenant::Entity::find_by_id(town.id).one(&state.db).await.map_err(Problem::internal)?;
    let colour = row
        .and_then(|t| t.brand_color)
        .filter(|c| common::web::contrast_on_white(c).is_some_and(|ratio| ratio >= 4.5))
        .unwrap_or_else(|| "#1a4d8f".into());
    Ok(HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(format!(":root {{ --town: {colour}; }}\n")))
}
