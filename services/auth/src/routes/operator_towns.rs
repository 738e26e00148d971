//! The operator's console over towns: list, approve, reject, suspend, reactivate, domains.
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Duration, Utc};
use common::{
    AppState, Problem, TenantScope,
    audit::{self, AuditEntry},
    auth::{
        Principal, Role,
        one_time::{NewOneTime, Purpose, issue},
    },
    i18n::{Lang, Text},
    paging::MAX_OFFSET,
    problem::FieldError,
    tenancy::PlatformHost,
};
use entity::tenant;
use sea_orm::{DatabaseTransaction, sea_query::Expr};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    account_mail::{self, AccountMail},
    domain::realm::Realm,
    routes::operator::{operator, wrong_state},
    store::{tokens, towns},
};

const INVITATION_TTL: Duration = Duration::days(7);

/// Registers the operator's town routes (platform host).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/operator/tenants", web::get().to(list))
        .route("/api/v1/operator/tenants/{id}/approve", web::post().to(approve))
        .route("/api/v1/operator/tenants/{id}/reject", web::post().to(reject))
        .route("/api/v1/operator/tenants/{id}/suspend", web::post().to(suspend))
        .route("/api/v1/operator/tenants/{id}/reactivate", web::post().to(reactivate));
}

/// Filter and page of the town list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListParams {
    status: Option<String>,
    /// 1 to 200, default 50.
    limit: Option<u64>,
    /// 0 to 1,000,000.
    offset: Option<u64>,
}

/// A town and its usage.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TownDto {
    id: Uuid,
    slug: String,
    insee_code: String,
    name: String,
    status: String,
    contact_email: String,
    contact_name: String,
    rejection_reason: Option<String>,
    created_at: chrono::DateTime<Utc>,
    citizens: u64,
    consultations: u64,
    mails_sent_this_month: u64,
    /// News mails allowed per month; none: no ceiling.
    monthly_mail_quota: Option<i32>,
}

impl From<towns::TownUsage> for TownDto {
    fn from(u: towns::TownUsage) -> Self {
        let t = u.town;
        TownDto {
            id: t.id,
            slug: t.slug,
            insee_code: t.insee_code,
            name: t.name,
            status: t.status,
            contact_email: t.contact_email,
            contact_name: t.contact_name,
            rejection_reason: t.rejection_reason,
            created_at: t.created_at,
            citizens: u.citizens,
            consultations: u.consultations,
            mails_sent_this_month: u.mails_sent_this_month,
            monthly_mail_quota: t.monthly_mail_quota,
        }
    }
}

const STATUSES: [&str; 5] = ["pending_email", "pending_review", "active", "suspended", "rejected"];

/// Towns by status, newest first, with their usage.
#[utoipa::path(get, path = "/api/v1/operator/tenants", tag = "operator", params(ListParams),
    responses((status = 200, body = [TownDto]), (status = 403, description = "forbidden")))]
pub async fn list(
    req: HttpRequest,
    _: PlatformHost,
    principal: Principal,
    state: web::Data<AppState>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, Problem> {
    operator(&req, &principal, &state).await?;
    let status = params.status.as_deref().filter(|s| !s.is_empty());
    let mut errors = Vec::new();
    if status.is_some_and(|s| !STATUSES.contains(&s)) {
        errors.push(FieldError::new(
            "status",
            Text::fixed(
                "pending_email, pending_review, active, suspended ou rejected.",
                "pending_email, pending_review, active, suspended or rejected.",
            ),
        ));
    }
    // The database takes offsets as signed 64-bit numbers: a larger one must not reach it.
    let offset = params.offset.unwrap_or(0);
    if offset > MAX_OFFSET {
        errors.push(FieldError::new("offset", Text::fixed("De 0 à 1 000 000.", "From 0 to 1,000,000.")));
    }
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let limit = params.limit.unwrap_or(50).clamp(1, 200);
    let rows = towns::list_with_usage(&state.db, status, limit, offset).await.map_err(Problem::internal)?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(TownDto::from).collect::<Vec<_>>()))
}

/// Runs `action` on town `id` in a transaction with its audit line; 404 if
/// there is no such town, 409 if the action does not apply to its state.
async fn act<F, Fut>(
    req: &HttpRequest,
    principal: &Principal,
    state: &AppState,
    id: Uuid,
    action: &str,
    run: F,
) -> Result<HttpResponse, Problem>
where
    F: FnOnce(DatabaseTransaction) -> Fut,
    Fut: std::future::Future<Output = Result<(DatabaseTransaction, Option<tenant::Model>), Problem>>,
{
    let actor = operator(req, principal, state).await?;
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    if towns::by_id(&txn, id).await.map_err(Problem::internal)?.is_none() {
        return Err(Problem::not_found());
    }
    let (txn, changed) = run(txn).await?;
    let town = changed.ok_or_else(wrong_state)?;
    let entry = AuditEntry {
        action,
        tenant_id: Some(id),
        target_type: "tenant",
        target_id: Some(id.to_string()),
        details: None,
    };
    audit::record(&txn, &actor, entry).await.map_err(Problem::internal)?;
    txn.commit().await.map_err(Problem::internal)?;
    state.resolver.forget_everywhere().await;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "id": town.id, "status": town.status })))
}

/// Opens the town's space; its contact gets an invitation to be its first admin.
#[utoipa::path(post, path = "/api/v1/operator/tenants/{id}/approve", tag = "operator",
    responses((status = 200), (status = 404), (status = 409, description = "conflict")))]
pub async fn approve(
    req: HttpRequest,
    _: PlatformHost,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let id = id.into_inner();
    let s = state.clone();
    act(&req, &principal, &state, id, "tenant.approve", |txn| async move {
        let Some(town) = towns::transition(&txn, id, &["pending_review"], "active", |u| u)
            .await
            .map_err(Problem::internal)?
        else {
            return Ok((txn, None));
        };
        let invitee = Some((town.contact_email.clone(), Role::Admin));
        let new = NewOneTime {
            tenant_id: Some(id),
            user_id: None,
            purpose: Purpose::Invitation,
            ttl: INVITATION_TTL,
            invitee,
        };
        let token = issue(&txn, &s.signing_key, new).await.map_err(Problem::internal)?;
        let host = format!("{}.{}", town.slug, s.config.platform_domain);
        let mail =
            AccountMail { to: &town.contact_email, name: &town.contact_name, host: &host, lang: Lang::Fr };
        let realm = Realm::Town(TenantScope::for_operator_action(id));
        account_mail::record(&txn, realm, mail, Purpose::Invitation, token)
            .await
            .map_err(Problem::internal)?;
        Ok((txn, Some(town)))
    })
    .await
}

/// Why a request is rejected.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RejectBody {
    reason: String,
}

/// Rejects a town's request with a reason, which its contact receives.
#[utoipa::path(post, path = "/api/v1/operator/tenants/{id}/reject", tag = "operator", request_body = RejectBody,
    responses((status = 200), (status = 400, description = "validation_failed"), (status = 404), (status = 409, description = "conflict")))]
pub async fn reject(
    req: HttpRequest,
    _: PlatformHost,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<RejectBody>,
) -> Result<HttpResponse, Problem> {
    let reason = body.into_inner().reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(Problem::validation(vec![FieldError::new(
            "reason",
            Text::fixed(
                "Indiquez un motif (2 000 caractères au plus).",
                "Give a reason (2,000 characters at most).",
            ),
        )]));
    }
    let id = id.into_inner();
    act(&req, &principal, &state, id, "tenant.reject", |txn| async move {
        let why = reason.clone();
        let town = towns::transition(&txn, id, &["pending_email", "pending_review"], "rejected", move |u| {
            u.col_expr(tenant::Column::RejectionReason, Expr::value(why))
        })
        .await
        .map_err(Problem::internal)?;
        if let Some(town) = &town {
            crate::account_mail::record_notice(
                &txn,
                &town.contact_email,
                rejection_subject(),
                &rejection_body(town, &reason),
            )
            .await
            .map_err(Problem::internal)?;
        }
        Ok((txn, town))
    })
    .await
}

fn rejection_subject() -> &'static str {
    "Votre demande d’espace de participation"
}

fn rejection_body(town: &tenant::Model, reason: &str) -> String {
    format!(
        "Bonjour {},\n\nLa demande d’espace de participation pour la commune de {} n’a pas été retenue, pour le motif suivant :\n\n{reason}\n\nVous pouvez répondre à ce message pour toute question.",
        town.contact_name, town.name
    )
}

/// Suspends a town: its host answers 503 and every session it had ends.
#[utoipa::path(post, path = "/api/v1/operator/tenants/{id}/suspend", tag = "operator",
    responses((status = 200), (status = 404), (status = 409, description = "conflict")))]
pub async fn suspend(
    req: HttpRequest,
    _: PlatformHost,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let id = id.into_inner();
    act(&req, &principal, &state, id, "tenant.suspend", |txn| async move {
        let now = Utc::now();
        let town = towns::transition(&txn, id, &["active"], "suspended", move |u| {
            u.col_expr(tenant::Column::TokensValidAfter, Expr::value(now))
        })
        .await
        .map_err(Problem::internal)?;
        if town.is_some() {
            let realm = Realm::Town(TenantScope::for_operator_action(id));
            tokens::revoke_town(&txn, realm, now).await.map_err(Problem::internal)?;
        }
        Ok((txn, town))
    })
    .await
}

/// Lifts a suspension; sessions cut by it stay cut.
#[utoipa::path(post, path = "/api/v1/operator/tenants/{id}/reactivate", tag = "operator",
    responses((status = 200), (status = 404), (status = 409, description = "conflict")))]
pub async fn reactivate(
    req: HttpRequest,
    _: PlatformHost,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let id = id.into_inner();
    act(&req, &principal, &state, id, "tenant.reactivate", |txn| async move {
        let town =
            towns::transition(&txn, id, &["suspended"], "active", |u| u).await.map_err(Problem::internal)?;
        Ok((txn, town))
    })
    .await
}
