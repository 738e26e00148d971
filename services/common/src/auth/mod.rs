//! Who is calling: access tokens, the keys that sign them, and the extractor
//! that gives handlers the caller with its town checked against the host.
pub mod browser;
mod claims;
mod keys;
pub mod one_time;
mod principal;
mod verified;

pub use claims::{AccessClaims, Role, audience, issuer};
pub use keys::{ACCESS_TOKEN_SECONDS, JwtKeys, TokenRejected};
pub use principal::{Principal, from_session_token, unauthenticated};
