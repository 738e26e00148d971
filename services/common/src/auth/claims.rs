//! What an access token says about its holder.
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::Config;

/// What a person may do, from the platform's operators down to citizens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the platform: approves, suspends, exports and deletes towns.
    Operator,
    /// Runs a town's space.
    Admin,
    /// Moderates a town's contributions.
    Moderator,
    /// Takes part in a town's consultations.
    Citizen,
}

impl Role {
    /// The role as stored and written in tokens.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Admin => "admin",
            Role::Moderator => "moderator",
            Role::Citizen => "citizen",
        }
    }

    /// The role named `name`, if any.
    pub fn parse(name: &str) -> Option<Role> {
        match name {
            "operator" => Some(Role::Operator),
            "admin" => Some(Role::Admin),
            "moderator" => Some(Role::Moderator),
            "citizen" => Some(Role::Citizen),
            _ => None,
        }
    }

    /// Town staff: admins and moderators.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Admin | Role::Moderator)
    }
}

/// The claims of an access token; all are required on decode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The account.
    pub sub: Uuid,
    /// The town the account belongs to; none for operators.
    pub tid: Option<Uuid>,
    pub role: Role,
    pub iss: String,
    /// `town:<id>` or `platform`: a token is good on one town's hosts only.
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: Uuid,
    /// The session (refresh-token family) it belongs to; browser CSRF tokens are bound to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Uuid>,
}

/// The audience of tokens for `town`, or for the platform host when none.
pub fn audience(town: Option<Uuid>) -> String {
    match town {
        Some(id) => format!("town:{id}"),
        None => "platform".to_owned(),
    }
}

/// The issuer of this installation's tokens: its platform URL.
pub fn issuer(config: &Config) -> String {
    format!("{}://{}", config.public_url_scheme.as_str(), config.platform_domain)
}
