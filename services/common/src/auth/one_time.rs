//! One-time tokens sent by e-mail (verification, login links, resets, invitations).
//!
//! A token is `<row id>.<HMAC of the id>`: the mail worker derives it from the
//! row id in the event, so no usable token is ever stored, not even in the
//! outbox; the database keeps only its SHA-256.
use chrono::{Duration, Utc};
use entity::one_time_token;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::Role;
use crate::signing::SigningKey;

/// What a one-time token lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    VerifyEmail,
    LoginLink,
    PasswordReset,
    SignupVerify,
    Invitation,
    /// Confirms a subscription by e-mail (double opt-in).
    Subscribe,
}

impl Purpose {
    /// The purpose as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::LoginLink => "login_link",
            Purpose::PasswordReset => "password_reset",
            Purpose::SignupVerify => "signup_verify",
            Purpose::Invitation => "invitation",
            Purpose::Subscribe => "subscribe",
        }
    }

    /// The page the mailed link opens, which posts the token to the API.
    pub fn page(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "/verify-email",
            Purpose::LoginLink => "/login/link",
            Purpose::PasswordReset => "/password/reset",
            Purpose::SignupVerify => "/signup/verify",
            Purpose::Invitation => "/invitations/accept",
            Purpose::Subscribe => "/subscriptions/confirm",
        }
    }
}

/// The token of the row `id`.
pub fn token_for(key: &SigningKey, id: Uuid) -> String {
    format!("{}.{}", id.simple(), key.sign(format!("one-time:{id}").as_bytes()))
}

/// The stored form of a token: hex SHA-256.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A one-time token to record.
#[derive(Debug, Clone)]
pub struct NewOneTime {
    /// The town it is good on; none: the platform host.
    pub tenant_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub purpose: Purpose,
    pub ttl: Duration,
    /// Invitations: who is invited, to which role.
    pub invitee: Option<(String, Role)>,
}

/// Records a token and returns its row id; the link's token is
/// [`token_for`] that id, and only its hash is stored.
pub async fn issue(conn: &impl ConnectionTrait, key: &SigningKey, new: NewOneTime) -> Result<Uuid, DbErr> {
    let id = Uuid::new_v4();
    let now = Utc::now();
    let (email, role) = new.invitee.map_or((None, None), |(e, r)| (Some(e), Some(r.as_str().to_owned())));
    one_time_token::ActiveModel {
        id: Set(id),
        tenant_id: Set(new.tenant_id),
        user_id: Set(new.user_id),
        purpose: Set(new.purpose.as_str().to_owned()),
        token_hash: Set(token_hash(&token_for(key, id))),
        expires_at: Set(now + new.ttl),
        used_at: Set(None),
        created_at: Set(now),
        email: Set(email),
        role: Set(role),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// The link a person opens: `scheme://host/page?token=…`.
pub fn link(
    config: &crate::config::Config,
    host: &str,
    purpose: Purpose,
    key: &SigningKey,
    id: Uuid,
) -> String {
    format!("{}://{host}{}?token={}", config.public_url_scheme.as_str(), purpose.page(), token_for(key, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_depend_on_the_key_and_the_row() {
        let (a, b) = (SigningKey::from_bytes(&[1; 32]), SigningKey::from_bytes(&[2; 32]));
        let id = Uuid::new_v4();
        assert_eq!(token_for(&a, id), token_for(&a, id));
        assert_ne!(token_for(&a, id), token_for(&b, id));
        assert_ne!(token_for(&a, id), token_for(&a, Uuid::new_v4()));
        assert!(token_for(&a, id).len() > 32 + 1 + 40, "at least 256 bits of MAC");
        assert_eq!(token_hash("x").len(), 64);
    }
}
