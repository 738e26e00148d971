//! Staff invitations: a town admin invites by e-mail; the link makes the
//! invitee a member with the role it names.
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Duration, Utc};
use common::{
    AppState, Problem, Town,
    audit::{self, Actor, AuditEntry},
    auth::{
        Principal, Role,
        one_time::{NewOneTime, Purpose, issue},
    },
    domain::Email,
    i18n::Text,
    problem::FieldError,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    account_mail::{self, AccountMail},
    domain::{display_name::DisplayName, password::NewPassword, realm::Realm},
    limits,
    routes::{
        account::{dead_link, lang_and_host},
        session::{hasher, open_session},
    },
    store::{accounts, members, tokens},
};

const INVITATION_TTL: Duration = Duration::days(7);

/// Registers invitation and member routes (town host).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/auth/invitations/accept", web::post().to(accept))
        .route("/api/v1/admin/members", web::post().to(invite))
        .route("/api/v1/admin/members", web::get().to(list));
}

/// Accepting an invitation: the link's token, and the new account's details.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AcceptBody {
    token: String,
    password: String,
    display_name: String,
}

/// Someone to invite into the town's team.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct InviteBody {
    email: String,
    /// `admin` or `moderator`.
    role: String,
}

/// A member of the town's team.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberDto {
    user_id: Uuid,
    email: String,
    display_name: String,
    role: String,
}

/// Accepts an invitation: the account (made if need be) joins the team, and a session opens.
#[utoipa::path(post, path = "/api/v1/auth/invitations/accept", tag = "auth", request_body = AcceptBody,
    responses((status = 200, body = crate::routes::session::Tokens), (status = 400, description = "validation_failed")))]
pub async fn accept(
    req: HttpRequest,
    town: Town,
    state: web::Data<AppState>,
    body: web::Json<AcceptBody>,
) -> Result<HttpResponse, Problem> {
    let realm = Realm::Town(town.scope());
    limits::check(&req, &state, "invitation", realm, None).await?;
    let name = DisplayName::parse(&body.display_name)
        .map_err(|e| Problem::validation(vec![FieldError::new("display_name", e.message())]))?;
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    let spent = tokens::consume_one_time(&txn, realm, &body.token, Purpose::Invitation, Utc::now())
        .await
        .map_err(Problem::internal)?;
    let Some(invitation) = spent else { return Err(dead_link()) };
    let (Some(email), Some(role)) = (
        invitation.email.as_deref().and_then(|e| Email::parse(e).ok()),
        invitation.role.as_deref().and_then(Role::parse),
    ) else {
        return Err(dead_link());
    };
    // A weak password rolls everything back: the link stays good.
    let password = NewPassword::parse(&body.password, email.as_ref())
        .map_err(|e| Problem::validation(vec![FieldError::new("password", e.message())]))?;
    let hasher = hasher(&state)?;
    let hash = web::block(move || hasher.hash(&password))
        .await
        .map_err(Problem::internal)?
        .map_err(Problem::internal)?;
    let user = match accounts::by_email(&txn, realm, &email).await.map_err(Problem::internal)? {
        Some(user) => {
            accounts::set_password(&txn, realm, user.id, hash).await.map_err(Problem::internal)?;
            user
        }
        None => accounts::create(&txn, realm, &email, Some(hash), name.as_ref())
            .await
            .map_err(Problem::internal)?,
    };
    accounts::mark_verified(&txn, realm, user.id).await.map_err(Problem::internal)?;
    members::set_role(&txn, town.scope(), user.id, role).await.map_err(Problem::internal)?;
    let actor = Actor {
        user_id: Some(user.id),
        label: format!("{}:{}", role.as_str(), email),
        ip: req.peer_addr().map(|a| a.ip().to_string()),
    };
    let entry = AuditEntry {
        action: "member.join",
        tenant_id: Some(town.id),
        target_type: "user",
        target_id: Some(user.id.to_string()),
        details: Some(serde_json::json!({ "role": role.as_str() })),
    };
    audit::record(&txn, &actor, entry).await.map_err(Problem::internal)?;
    let session = open_session(&state, &txn, realm, &user, Uuid::new_v4()).await?;
    txn.commit().await.map_err(Problem::internal)?;
    Ok(HttpResponse::Ok().json(session))
}

/// Invites someone into the team by e-mail (town admins).
#[utoipa::path(post, path = "/api/v1/admin/members", tag = "admin", request_body = InviteBody,
    responses((status = 202, description = "invitation sent"), (status = 400, description = "validation_failed"), (status = 403, description = "forbidden")))]
pub async fn invite(
    req: HttpRequest,
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
    body: web::Json<InviteBody>,
) -> Result<HttpResponse, Problem> {
    principal.require_admin()?;
    let realm = Realm::Town(town.scope());
    let me = accounts::by_id(&state.db, realm, principal.user_id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(common::auth::unauthenticated)?;
    let mut errors = Vec::new();
    let email = Email::parse(&body.email)
        .map_err(|_| {
            errors.push(FieldError::new(
                "email",
                Text::fixed("Adresse e-mail invalide.", "Invalid e-mail address."),
            ))
        })
        .ok();
    let role = Role::parse(&body.role).filter(|r| r.is_staff()).or_else(|| {
        errors.push(FieldError::new("role", Text::fixed("admin ou moderator.", "admin or moderator.")));
        None
    });
    let (Some(email), Some(role)) = (email, role) else { return Err(Problem::validation(errors)) };
    let (lang, host) = lang_and_host(&req);
    let txn = common::db::begin_write(&state.db).await.map_err(Problem::internal)?;
    let new = NewOneTime {
        tenant_id: Some(town.id),
        user_id: None,
        purpose: Purpose::Invitation,
        ttl: INVITATION_TTL,
        invitee: Some((email.to_string(), role)),
    };
    let token = issue(&txn, &state.signing_key, new).await.map_err(Problem::internal)?;
    let mail = AccountMail { to: email.as_ref(), name: email.as_ref(), host: &host, lang };
    account_mail::record(&txn, realm, mail, Purpose::Invitation, token).await.map_err(Problem::internal)?;
    let entry = AuditEntry {
        action: "member.invite",
        tenant_id: Some(town.id),
        target_type: "invitation",
        target_id: Some(token.to_string()),
        details: Some(serde_json::json!({ "email": email.as_ref(), "role": role.as_str() })),
    };
    audit::record(&txn, &Actor::of(&req, &principal, &me.email), entry).await.map_err(Problem::internal)?;
    txn.commit().await.map_err(Problem::internal)?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({ "status": "invited" })))
}

/// The town's team (town admins).
#[utoipa::path(get, path = "/api/v1/admin/members", tag = "admin",
    responses((status = 200, body = [MemberDto]), (status = 403, description = "forbidden")))]
pub async fn list(
    town: Town,
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    principal.require_admin()?;
    let rows = members::list(&state.db, town.scope()).await.map_err(Problem::internal)?;
    let dto: Vec<MemberDto> = rows
        .into_iter()
        .map(|(m, u)| MemberDto { user_id: u.id, email: u.email, display_name: u.display_name, role: m.role })
        .collect();
    Ok(HttpResponse::Ok().json(dto))
}
