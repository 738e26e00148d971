//! The operator's console (platform host): towns by status with their usage,
//! each action behind a confirmation, and the audit log.
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use askama::Template;
use common::{
    AppState, Problem,
    page::{Form, FormData, Frame, Needs, Visitor, api},
    tenancy::PlatformHost,
};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{about_the_form, refused};
use crate::routes::{operator_audit, operator_data, operator_towns};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/operator", web::get().to(towns))
        .route("/operator/audit", web::get().to(audit))
        .route("/operator/towns/{id}/export", web::get().to(export))
        .route("/operator/towns/{id}/{action}", web::get().to(confirm_page))
        .route("/operator/towns/{id}/{action}", web::post().to(act));
}

/// A town as the console lists it (the API's answer, read back).
#[derive(Deserialize)]
struct TownRow {
    id: Uuid,
    slug: String,
    insee_code: String,
    name: String,
    status: String,
    contact_email: String,
    contact_name: String,
    citizens: u64,
    consultations: u64,
    mails_sent_this_month: u64,
}

#[derive(Template)]
#[template(path = "operator_towns.html")]
struct TownsPage {
    f: Frame,
    filters: Vec<(&'static str, &'static str)>,
    status: String,
    status_label: &'static str,
    towns: Vec<TownRow>,
}

#[derive(Deserialize)]
struct StatusQuery {
    status: Option<String>,
}

fn filters(v: &Visitor) -> Vec<(&'static str, &'static str)> {
    vec![
        ("pending_review", v.t("À examiner", "To review")),
        ("active", v.t("Actives", "Active")),
        ("suspended", v.t("Suspendues", "Suspended")),
        ("pending_email", v.t("Adresse non confirmée", "Address not confirmed")),
        ("rejected", v.t("Refusées", "Rejected")),
    ]
}

async fn towns(
    req: HttpRequest,
    host: PlatformHost,
    state: web::Data<AppState>,
    v: Visitor,
    query: web::Query<StatusQuery>,
) -> Result<HttpResponse, Problem> {
    let me = common::caller!(v, Needs::Operator);
    let filters = filters(&v);
    let wanted = query.into_inner().status.unwrap_or_else(|| "pending_review".into());
    let Some(&(status, status_label)) = filters.iter().find(|(k, _)| *k == wanted) else {
        return Err(Problem::not_found());
    };
    let params = web::Query::from_query(&format!("status={status}&limit=200")).map_err(Problem::internal)?;
    let res = operator_towns::list(req, host, me, state, params).await?;
    let towns: Vec<TownRow> = serde_json::from_value(api::json(res).await?).map_err(Problem::internal)?;
    let page = TownsPage {
        f: v.frame(v.t("Communes de la plateforme", "The platform's towns")),
        filters,
        status: status.to_owned(),
        status_label,
        towns,
    };
    v.render(&page)
}

/// What each confirmed action is called and says.
fn action_texts(v: &Visitor, action: &str) -> Option<(&'static str, &'static str, bool)> {
    Some(match action {
        "approve" => (
            v.t("Approuver la commune", "Approve the town"),
            v.t(
                "Son espace ouvre et son contact reçoit l’invitation à l’administrer.",
                "Its space opens and its contact gets the invitation to run it.",
            ),
            false,
        ),
        "reject" => (
            v.t("Refuser la demande", "Reject the request"),
            v.t("Le contact reçoit le motif par e-mail.", "The contact gets the reason by e-mail."),
            true,
        ),
        "suspend" => (
            v.t("Suspendre la commune", "Suspend the town"),
            v.t(
                "Son espace ferme et toutes ses sessions prennent fin ; ses données sont gardées.",
                "Its space closes and all its sessions end; its data is kept.",
            ),
            false,
        ),
        "reactivate" => (
            v.t("Réactiver la commune", "Reactivate the town"),
            v.t(
                "Son espace rouvre ; chacun devra se reconnecter.",
                "Its space opens again; everyone will have to log in again.",
            ),
            false,
        ),
        "delete" => (
            v.t("Supprimer la commune et ses données", "Delete the town and its data"),
            v.t(
                "Tout est effacé, définitivement. Exportez ses données avant.",
                "Everything is erased, for good. Export its data first.",
            ),
            false,
        ),
        _ => return None,
    })
}

#[derive(Template)]
#[template(path = "operator_confirm.html")]
struct ConfirmPage {
    f: Frame,
    form: Form,
    id: Uuid,
    action: String,
    explanation: &'static str,
    with_reason: bool,
    button: &'static str,
}

fn confirm(
    v: &Visitor,
    id: Uuid,
    action: &str,
    form: Form,
    status: StatusCode,
) -> Result<HttpResponse, Problem> {
    let (title, explanation, with_reason) = action_texts(v, action).ok_or_else(Problem::not_found)?;
    let page = ConfirmPage {
        f: v.frame(title),
        form,
        id,
        action: action.to_owned(),
        explanation,
        with_reason,
        button: title,
    };
    v.render_with(status, &page)
}

async fn confirm_page(
    _: PlatformHost,
    v: Visitor,
    path: web::Path<(Uuid, String)>,
) -> Result<HttpResponse, Problem> {
    common::caller!(v, Needs::Operator);
    let (id, action) = path.into_inner();
    confirm(&v, id, &action, Form::new(), StatusCode::OK)
}

async fn act(
    req: HttpRequest,
    host: PlatformHost,
    state: web::Data<AppState>,
    v: Visitor,
    path: web::Path<(Uuid, String)>,
    data: FormData,
) -> Result<HttpResponse, Problem> {
    v.check(&data)?;
    let me = common::caller!(v, Needs::Operator);
    let (id, action) = path.into_inner();
    let town = web::Path::from(id);
    let done = match action.as_str() {
        "approve" => operator_towns::approve(req, host, me, state, town).await,
        "reject" => {
            let body = api::body(json!({ "reason": data.get("reason") }))?;
            operator_towns::reject(req, host, me, state, town, body).await
        }
        "suspend" => operator_towns::suspend(req, host, me, state, town).await,
        "reactivate" => operator_towns::reactivate(req, host, me, state, town).await,
        "delete" => operator_data::delete(req, host, me, state, town).await,
        _ => return Err(Problem::not_found()),
    };
    match done {
        Ok(_) => Ok(v.redirect("/operator?ok=done")),
        Err(p) if about_the_form(&p) => {
            confirm(&v, id, &action, refused(&v, data, &p, "reason"), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(p) => Err(p),
    }
}

async fn export(
    req: HttpRequest,
    host: PlatformHost,
    state: web::Data<AppState>,
    v: Visitor,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let me = common::caller!(v, Needs::Operator);
    operator_data::export(req, host, me, state, path).await
}

/// An audit line as the page shows it.
#[derive(Deserialize)]
struct AuditRow {
    at: String,
    actor: String,
    action: String,
    target_type: String,
    target_id: Option<String>,
}

#[derive(Template)]
#[template(path = "operator_audit.html")]
struct AuditPage {
    f: Frame,
    lines: Vec<AuditRow>,
}

async fn audit(
    req: HttpRequest,
    host: PlatformHost,
    state: web::Data<AppState>,
    v: Visitor,
) -> Result<HttpResponse, Problem> {
    let me = common::caller!(v, Needs::Operator);
    let params = web::Query::from_query("limit=200").map_err(Problem::internal)?;
    let res = operator_audit::audit(req, host, me, state, params).await?;
    let lines: Vec<AuditRow> = serde_json::from_value(api::json(res).await?).map_err(Problem::internal)?;
    v.render(&AuditPage { f: v.frame(v.t("Journal d’audit", "Audit log")), lines })
}
