//! RGPD: a person's copy of their data, and erasure of their account.
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use common::{
    AppState, Problem, Town,
    audit::{self, Actor, AuditEntry},
    auth::Principal,
};
use entity::{delivery, membership};
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
use serde_json::json;

use crate::{
    account_mail,
    domain::realm::Realm,
    store::{accounts, contributions, tokens},
};

/// Registers `/me/export` and `DELETE /me` (town host).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/me/export", web::get().to(export)).route("/api/v1/me", web::delete().to(erase));
}

/// Everything held about the caller in this town, as JSON.
#[utoipa::path(get, path = "/api/v1/me/export", tag = "auth",
    responses((status = 200, description = "account, roles, mails and contributions"), (status = 401, description = "unauthenticated")))]
pub async fn export(
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let scope = town.scope();
    let user = accounts::by_id(&state.db, Realm::Town(scope), principal.user_id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(common::auth::unauthenticated)?;
    let roles = scope
        .find::<membership::Entity>()
        .filter(membership::Column::UserId.eq(user.id))
        .into_json()
        .all(&state.db)
        .await
        .map_err(Problem::internal)?;
    let mails = scope
        .find::<delivery::Entity>()
        .filter(delivery::Column::Recipient.eq(&user.email))
        .order_by_asc(delivery::Column::CreatedAt)
        .into_json()
        .all(&state.db)
        .await
        .map_err(Problem::internal)?;
    let contributions = contributions::of(&state.db, scope, user.id).await.map_err(Problem::internal)?;
    let body = json!({
        "exported_at": Utc::now(),
        "town": { "id": town.id, "name": town.name },
        "account": {
            "id": user.id, "email": user.email, "display_name": user.display_name,
            "email_verified_at": user.email_verified_at, "created_at": user.created_at,
        },
        "roles": roles,
        "mails": mails,
        "contributions": contributions,
    });
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Disposition", "attachment; filename=\"mes-donnees.json\""))
        .json(body))
}

/// Erases the caller's account: sessions and links die, personal data is
/// replaced, and a confirmation goes to the address that was erased.
#[utoipa::path(delete, path = "/api/v1/me", tag = "auth",
    responses((status = 204, description = "erased"), (status = 401, description = "unauthenticated")))]
pub async fn erase(
    req: HttpRequest,
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let realm = Realm::Town(town.scope());
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    let user = accounts::by_id(&txn, realm, principal.user_id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(common::auth::unauthenticated)?;
    let now = Utc::now();
    tokens::revoke_user(&txn, realm, user.id, now).await.map_err(Problem::internal)?;
    tokens::delete_one_time_of(&txn, realm, user.id).await.map_err(Problem::internal)?;
    accounts::anonymise(&txn, realm, user.id).await.map_err(Problem::internal)?;
    let (subject, body) = (
        "Votre compte a été supprimé",
        format!(
            "Bonjour,\n\nComme vous l’avez demandé, votre compte sur l’espace de participation de {} a été supprimé le {}. Vos données personnelles ont été effacées ; vos contributions restent, sans votre nom.\n\nSi vous n’êtes pas à l’origine de cette demande, répondez à ce message.",
            town.name,
            now.format("%d/%m/%Y")
        ),
    );
    account_mail::record_notice(&txn, &user.email, subject, &body).await.map_err(Problem::internal)?;
    let actor = Actor {
        user_id: Some(user.id),
        label: principal.role.as_str().to_owned(),
        ip: req.peer_addr().map(|a| a.ip().to_string()),
    };
    let entry = AuditEntry {
        action: "account.erase",
        tenant_id: Some(town.id),
        target_type: "user",
        target_id: Some(user.id.to_string()),
        details: None,
    };
    audit::record(&txn, &actor, entry).await.map_err(Problem::internal)?;
    txn.commit().await.map_err(Problem::internal)?;
    Ok(HttpResponse::NoContent().finish())
}
