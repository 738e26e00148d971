//! The official commune list, searched by name or postal code (signup form).
use actix_web::{HttpResponse, web};
use common::{AppState, Problem, domain::InseeCode, i18n::Text, problem::FieldError, tenancy::PlatformHost};
use entity::commune;
use serde::{Deserialize, Serialize};

use crate::{domain::commune_query::CommuneQuery, store};

const DEFAULT_LIMIT: u64 = 10;
const MAX_LIMIT: u64 = 50;

/// Registers the commune routes (platform host).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/communes", web::get().to(search))
        .route("/api/v1/communes/{insee_code}", web::get().to(get));
}

/// A commune as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CommuneDto {
    insee_code: String,
    name: String,
    department: String,
    region: String,
    siren: Option<String>,
    postal_codes: Vec<String>,
    population: Option<i32>,
}

impl From<commune::Model> for CommuneDto {
    fn from(c: commune::Model) -> Self {
        CommuneDto {
            postal_codes: c.postal_codes.split_whitespace().map(str::to_owned).collect(),
            insee_code: c.insee_code,
            name: c.name,
            department: c.department,
            region: c.region,
            siren: c.siren,
            population: c.population,
        }
    }
}

/// Query string of the search.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SearchParams {
    /// Start of a name, a postal code or an INSEE code.
    q: String,
    /// At most this many results (1 to 50, default 10).
    limit: Option<u64>,
}

/// Searches the official list of communes.
#[utoipa::path(get, path = "/api/v1/communes", tag = "communes", params(SearchParams),
    responses((status = 200, body = [CommuneDto]), (status = 400, description = "validation_failed")))]
pub async fn search(
    _: PlatformHost,
    state: web::Data<AppState>,
    params: web::Query<SearchParams>,
) -> Result<HttpResponse, Problem> {
    let query = CommuneQuery::parse(&params.q).map_err(|_| {
        Problem::validation(vec![FieldError::new(
            "q",
            Text::fixed(
                "Saisissez au moins 2 lettres du nom, ou un code postal.",
                "Type at least 2 letters of the name, or a postal code.",
            ),
        )])
    })?;
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Problem::validation(vec![FieldError::new(
            "limit",
            Text::fixed("Entre 1 et 50.", "Between 1 and 50."),
        )]));
    }
    let found = store::search_communes(&state.db, &query, limit).await?;
    Ok(HttpResponse::Ok().json(found.into_iter().map(CommuneDto::from).collect::<Vec<_>>()))
}

/// One commune by its INSEE code.
#[utoipa::path(get, path = "/api/v1/communes/{insee_code}", tag = "communes",
    params(("insee_code" = String, Path, description = "INSEE code, e.g. 2A004")),
    responses((status = 200, body = CommuneDto), (status = 404, description = "not_found")))]
pub async fn get(
    _: PlatformHost,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    // A malformed code names no commune: same answer as an unknown one.
    let code = InseeCode::parse(&path).map_err(|_| Problem::not_found())?;
    let commune = store::find_commune(&state.db, code.as_ref()).await?.ok_or_else(Problem::not_found)?;
    Ok(HttpResponse::Ok().json(CommuneDto::from(commune)))
}
