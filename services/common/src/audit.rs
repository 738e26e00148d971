//! The append-only record of operator and staff actions: who, what, which
//! town, when, from where. Rows are only ever inserted.
use actix_web::HttpRequest;
use chrono::Utc;
use entity::audit_log;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use uuid::Uuid;

use crate::auth::Principal;

/// One action to record.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    /// `tenant.approve`, `tenant.suspend`, `member.invite`…
    pub action: &'a str,
    pub tenant_id: Option<Uuid>,
    /// What was acted on: `tenant`, `user`, `consultation`…
    pub target_type: &'a str,
    pub target_id: Option<String>,
    pub details: Option<serde_json::Value>,
}

/// Who acted, as the log shows them.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    /// `operator:<email>`, `admin:<email>`, or `cli` for the command line.
    pub label: String,
    pub ip: Option<String>,
}

impl Actor {
    /// The authenticated caller of `req`, labelled with their role and e-mail.
    pub fn of(req: &HttpRequest, principal: &Principal, email: &str) -> Self {
        Actor {
            user_id: Some(principal.user_id),
            label: format!("{}:{email}", principal.role.as_str()),
            ip: req.peer_addr().map(|a| a.ip().to_string()),
        }
    }
}

/// Appends `entry` by `actor`, in the caller's transaction.
pub async fn record(conn: &impl ConnectionTrait, actor: &Actor, entry: AuditEntry<'_>) -> Result<(), DbErr> {
    audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(entry.tenant_id),
        actor_user_id: Set(actor.user_id),
        actor: Set(actor.label.clone()),
        action: Set(entry.action.to_owned()),
        target_type: Set(entry.target_type.to_owned()),
        target_id: Set(entry.target_id),
        ip: Set(actor.ip.clone()),
        details: Set(entry.details),
        created_at: Set(Utc::now()),
    }
    .insert(conn)
    .await
    .map(|_| ())
}
