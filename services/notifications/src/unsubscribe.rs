//! Signed unsubscribe tokens, carried by the links in non-transactional mail.
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use common::signing::SigningKey;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Who asks to stop receiving what, from which town.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsubscribeToken {
    #[serde(rename = "t")]
    pub tenant_id: Uuid,
    #[serde(rename = "e")]
    pub email: String,
    /// The kind of mail: `consultations`, `results`, `announcements`…
    #[serde(rename = "k")]
    pub topic: String,
}

impl UnsubscribeToken {
    /// `base64url(json).signature`: safe in a URL path.
    pub fn sign(&self, key: &SigningKey) -> String {
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default());
        let signature = key.sign(body.as_bytes());
        format!("{body}.{signature}")
    }

    /// The token's content, if `key` signed it.
    pub fn verify(token: &str, key: &SigningKey) -> Option<Self> {
        let (body, signature) = token.split_once('.')?;
        if !key.verify(body.as_bytes(), signature) {
            return None;
        }
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).ok()?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_and_a_tampered_one_does_not() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let token = UnsubscribeToken {
            tenant_id: Uuid::new_v4(),
            email: "marie@example.fr".into(),
            topic: "announcements".into(),
        };
        let signed = token.sign(&key);
        assert!(signed.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.'));
        assert_eq!(UnsubscribeToken::verify(&signed, &key), Some(token.clone()));
        let forged = UnsubscribeToken { email: "paul@example.fr".into(), ..token }
            .sign(&SigningKey::from_bytes(&[4; 32]));
        assert_eq!(UnsubscribeToken::verify(&forged, &key), None);
        let (body, _) = signed.split_once('.').unwrap();
        assert_eq!(UnsubscribeToken::verify(&format!("{body}.AAAA"), &key), None);
        assert_eq!(UnsubscribeToken::verify("garbage", &key), None);
    }
}
