//! One-time tokens sent by e-mail (verification, login links, resets, invitations).
//!
//! A token is `<row id>.<HMAC of the id>`: the mail worker derives it from the
//! row id in the event, so no usable token is ever stored, not even in the
//! outbox; the database keeps only its SHA-256.
use sha2::{Digest, Sha256};
use uuid::Uuid;

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
