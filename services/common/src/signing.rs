//! The key that signs links sent by e-mail (unsubscribe), and the signatures.
use std::{fmt, path::Path};

use anyhow::Context;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::config::Config;

type HmacSha256 = Hmac<Sha256>;

/// A secret HMAC-SHA256 key; its `Debug` never shows it.
#[derive(Clone)]
pub struct SigningKey(Vec<u8>);

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(***)")
    }
}

impl SigningKey {
    /// A key from raw bytes.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        SigningKey(bytes.to_vec())
    }

    /// `SIGNING_KEY` when set (it must be the same on every process); otherwise
    /// `DATA_DIR/signing.key`, created with 32 random bytes on first start.
    pub fn load_or_create(config: &Config) -> anyhow::Result<Self> {
        if let Some(key) = &config.signing_key {
            return Ok(SigningKey(key.expose().as_bytes().to_vec()));
        }
        let path = config.data_dir.join("signing.key");
        match std::fs::read_to_string(&path) {
            Ok(text) => decode_key(&text, &path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_key(&path),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// `base64url(HMAC(message))`.
    pub fn sign(&self, message: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(message).finalize().into_bytes())
    }

    /// Whether `signature` is this key's signature of `message` (constant time).
    pub fn verify(&self, message: &[u8], signature: &str) -> bool {
        match URL_SAFE_NO_PAD.decode(signature) {
            Ok(raw) => self.mac(message).verify_slice(&raw).is_ok(),
            Err(_) => false,
        }
    }

    fn mac(&self, message: &[u8]) -> HmacSha256 {
        // HMAC accepts keys of any length; this cannot fail.
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        mac.update(message);
        mac
    }
}

fn decode_key(text: &str, path: &Path) -> anyhow::Result<SigningKey> {
    let bytes =
        URL_SAFE_NO_PAD.decode(text.trim()).with_context(|| format!("{} is not a key", path.display()))?;
    anyhow::ensure!(bytes.len() >= 32, "{} holds a key shorter than 32 bytes", path.display());
    Ok(SigningKey(bytes))
}

fn create_key(path: &Path) -> anyhow::Result<SigningKey> {
    let bytes: [u8; 32] = rand::random();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, URL_SAFE_NO_PAD.encode(bytes))
        .with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(SigningKey(bytes.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_for_the_same_key_and_message() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let sig = key.sign(b"marie@example.fr");
        assert!(key.verify(b"marie@example.fr", &sig));
        assert!(!key.verify(b"paul@example.fr", &sig));
        assert!(!SigningKey::from_bytes(&[8; 32]).verify(b"marie@example.fr", &sig));
        assert!(!key.verify(b"marie@example.fr", "not base64 !"));
    }

    #[test]
    fn a_generated_key_is_kept_across_starts() {
        let dir = tempfile::tempdir().unwrap();
        let env = std::collections::HashMap::from([("DATA_DIR", dir.path().display().to_string())]);
        let config = Config::from_lookup(|k| env.get(k).cloned()).unwrap();
        let first = SigningKey::load_or_create(&config).unwrap();
        let again = SigningKey::load_or_create(&config).unwrap();
        assert_eq!(first.sign(b"x"), again.sign(b"x"));
        assert!(!format!("{first:?}").contains(&first.sign(b"")));
    }
}
