//! EdDSA keys that sign access tokens, rotated by `kid`.
use std::{collections::HashMap, fmt, path::Path};

use anyhow::{Context, bail};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, spki::der::pem::LineEnding};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    claims::{AccessClaims, Role, audience, issuer},
    verified::VerifiedTokens,
};
use crate::config::Config;

/// Life of an access token.
pub const ACCESS_TOKEN_SECONDS: i64 = 15 * 60;

/// Clock difference tolerated between the processes that sign and verify.
const LEEWAY_SECONDS: u64 = 5;
/// A kept token is dropped after its whole life, leeway included.
const KEPT_SECONDS: u64 = ACCESS_TOKEN_SECONDS.unsigned_abs() + LEEWAY_SECONDS;

/// Why a presented token was refused; the client only ever learns "401".
#[derive(Debug, thiserror::Error)]
pub enum TokenRejected {
    #[error("the token names no key of ours")]
    UnknownKey,
    #[error("invalid token: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
}

/// The signing key and every key tokens may still be verified with.
#[derive(Clone)]
pub struct JwtKeys {
    kid: String,
    signing: EncodingKey,
    verifying: HashMap<String, DecodingKey>,
    jwks: Value,
    issuer: String,
    verified: VerifiedTokens,
}

impl fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtKeys").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl JwtKeys {
    /// Keys from `JWT_KEYS_DIR` (every `<kid>.pem` there, PKCS#8 Ed25519; the last
    /// by name signs). Unset, `DATA_DIR/jwt`, where a first key is made on first start.
    pub fn load_or_create(config: &Config) -> anyhow::Result<Self> {
        let (dir, may_create) = match &config.jwt_keys_dir {
            Some(dir) => (dir.clone(), false),
            None => (config.data_dir.join("jwt"), true),
        };
        let mut pems = read_pems(&dir)?;
        if pems.is_empty() {
            if !may_create {
                bail!("JWT_KEYS_DIR {} holds no <kid>.pem key", dir.display());
            }
            pems.push(create_key(&dir)?);
        }
        Self::from_pems(&pems, issuer(config))
    }

    /// Keys from `(kid, PEM)` pairs; the last pair signs.
    pub fn from_pems(pems: &[(String, String)], issuer: String) -> anyhow::Result<Self> {
        let mut verifying = HashMap::new();
        let mut jwks = Vec::new();
        let mut signing = None;
        for (kid, pem) in pems {
            let key = ed25519_dalek::SigningKey::from_pkcs8_pem(pem)
                .with_context(|| format!("JWT key {kid} is not a PKCS#8 Ed25519 private key"))?;
            let public = key.verifying_key().to_bytes();
            let x = URL_SAFE_NO_PAD.encode(public);
            verifying.insert(kid.clone(), DecodingKey::from_ed_components(&x)?);
            jwks.push(
                json!({ "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": kid, "x": x }),
            );
            let der = key.to_pkcs8_der().context("encoding a JWT key")?;
            signing = Some((kid.clone(), EncodingKey::from_ed_der(der.as_bytes())));
        }
        let Some((kid, signing)) = signing else { bail!("no JWT signing key") };
        let verified = VerifiedTokens::new(std::time::Duration::from_secs(KEPT_SECONDS));
        Ok(JwtKeys { kid, signing, verifying, jwks: json!({ "keys": jwks }), issuer, verified })
    }

    /// A fresh key as PKCS#8 PEM, for tests and `participation` key rotation.
    pub fn generate_pem() -> anyhow::Result<String> {
        let key = ed25519_dalek::SigningKey::from_bytes(&rand::random::<[u8; 32]>());
        Ok(key.to_pkcs8_pem(LineEnding::LF).context("encoding a JWT key")?.to_string())
    }

    /// The public keys, as `/.well-known/jwks.json` serves them.
    pub fn jwks(&self) -> &Value {
        &self.jwks
    }

    /// Signs an access token for `user` in `town` (none: an operator), part of session `sid`.
    pub fn issue(
        &self,
        user: Uuid,
        town: Option<Uuid>,
        role: Role,
        sid: Option<Uuid>,
    ) -> anyhow::Result<(String, AccessClaims)> {
        let now = chrono::Utc::now().timestamp();
        let claims = AccessClaims {
            sub: user,
            tid: town,
            role,
            iss: self.issuer.clone(),
            aud: audience(town),
            exp: now + ACCESS_TOKEN_SECONDS,
            iat: now,
            jti: Uuid::new_v4(),
            sid,
        };
        Ok((self.sign(&claims)?, claims))
    }

    /// Signs any claims with the current key (tests forge tokens with it).
    pub fn sign(&self, claims: &impl serde::Serialize) -> anyhow::Result<String> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        Ok(encode(&header, claims, &self.signing)?)
    }

    /// The claims of `token` if one of our keys signed it with EdDSA for
    /// `audience`, it is ours and it has not expired. A token verified
    /// before by these keys is recognised by its text.
    pub fn verify(&self, token: &str, audience: &str) -> Result<AccessClaims, TokenRejected> {
        let now = chrono::Utc::now().timestamp();
        let leeway = LEEWAY_SECONDS.cast_signed();
        if let Some(claims) = self.verified.get(token, audience, now, leeway) {
            return Ok(claims);
        }
        let claims = self.check(token, audience)?;
        self.verified.keep(token, &claims);
        Ok(claims)
    }

    /// The full check: signature, key, audience, issuer, expiry.
    fn check(&self, token: &str, audience: &str) -> Result<AccessClaims, TokenRejected> {
        let header = decode_header(token)?;
        let key =
            header.kid.as_deref().and_then(|kid| self.verifying.get(kid)).ok_or(TokenRejected::UnknownKey)?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_required_spec_claims(&["exp", "iat", "aud", "iss", "sub"]);
        validation.set_audience(&[audience]);
        validation.set_issuer(&[&self.issuer]);
        validation.leeway = LEEWAY_SECONDS;
        Ok(decode::<AccessClaims>(token, key, &validation)?.claims)
    }
}

fn read_pems(dir: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
    };
    let mut pems = Vec::new();
    for entry in entries {
        let path = entry?.path();
        let Some(kid) = path.file_stem().and_then(|s| s.to_str()) else { continue };
        // Kubernetes mounts Secrets through `..data` links; only plain `<kid>.pem` count.
        if path.extension().is_some_and(|e| e == "pem") && !kid.starts_with('.') {
            let pem =
                std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
            pems.push((kid.to_owned(), pem));
        }
    }
    pems.sort();
    Ok(pems)
}

fn create_key(dir: &Path) -> anyhow::Result<(String, String)> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let kid = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let pem = JwtKeys::generate_pem()?;
    let path = dir.join(format!("{kid}.pem"));
    write_private(&path, &pem).with_context(|| format!("cannot write {}", path.display()))?;
    Ok((kid, pem))
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(kids: &[&str]) -> (JwtKeys, Vec<(String, String)>) {
        let pems: Vec<(String, String)> =
            kids.iter().map(|k| ((*k).to_owned(), JwtKeys::generate_pem().unwrap())).collect();
        (JwtKeys::from_pems(&pems, "https://participation.test".into()).unwrap(), pems)
    }

    #[test]
    fn the_last_key_signs_and_every_key_still_verifies() {
        let (old, pems) = keys(&["2026-01"]);
        let (token, claims) = old.issue(Uuid::new_v4(), Some(Uuid::new_v4()), Role::Citizen, None).unwrap();
        let rotated = JwtKeys::from_pems(
            &[pems[0].clone(), ("2026-06".into(), JwtKeys::generate_pem().unwrap())],
            "https://participation.test".into(),
        )
        .unwrap();
        assert_eq!(rotated.verify(&token, &claims.aud).unwrap(), claims);
        let (fresh, _) = rotated.issue(Uuid::new_v4(), None, Role::Operator, None).unwrap();
        assert_eq!(decode_header(&fresh).unwrap().kid.as_deref(), Some("2026-06"));
        assert_eq!(rotated.jwks()["keys"].as_array().unwrap().len(), 2);
        // Once the old key is withdrawn, its tokens stop working.
        assert!(matches!(old.verify(&fresh, "platform"), Err(TokenRejected::UnknownKey)));
    }

    #[test]
    fn a_token_verified_before_is_still_refused_elsewhere_and_by_other_keys() {
        let (keys_a, _) = keys(&["a"]);
        let (keys_b, _) = keys(&["a"]);
        let town = Some(Uuid::new_v4());
        let (token, claims) = keys_a.issue(Uuid::new_v4(), town, Role::Citizen, None).unwrap();
        assert_eq!(keys_a.verify(&token, &claims.aud).unwrap(), claims);
        assert_eq!(keys_a.verify(&token, &claims.aud).unwrap(), claims, "again, as kept");
        assert!(keys_a.verify(&token, &audience(Some(Uuid::new_v4()))).is_err());
        assert!(keys_a.verify(&token, "platform").is_err());
        // Same kid, another key: what one set verified, the other does not trust.
        assert!(keys_b.verify(&token, &claims.aud).is_err());
        let mut forged = token.clone();
        forged.push('A');
        assert!(keys_a.verify(&forged, &claims.aud).is_err());
    }

    #[test]
    fn a_first_key_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let config =
            Config::from_lookup(|k| (k == "DATA_DIR").then(|| dir.path().display().to_string())).unwrap();
        let first = JwtKeys::load_or_create(&config).unwrap();
        let again = JwtKeys::load_or_create(&config).unwrap();
        assert_eq!(first.jwks(), again.jwks());
        let named = Config::from_lookup(|k| match k {
            "DATA_DIR" => Some(dir.path().display().to_string()),
            "JWT_KEYS_DIR" => Some(dir.path().join("empty").display().to_string()),
            _ => None,
        })
        .unwrap();
        let refused = JwtKeys::load_or_create(&named).unwrap_err().to_string();
        assert!(refused.contains("JWT_KEYS_DIR"), "{refused}");
    }
}
