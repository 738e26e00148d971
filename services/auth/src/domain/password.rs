//! Passwords: the policy for new ones, and argon2id hashing.
use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use common::config::Argon2Params;

const MIN_CHARS: usize = 12;
/// Long enough for any passphrase, short enough that hashing stays cheap.
const MAX_CHARS: usize = 256;

const COMMON: &str = include_str!("../../data/common-passwords.txt");

/// A password that meets the policy, not yet hashed.
pub struct NewPassword(String);

/// Why a new password was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WeakPassword {
    #[error("at least 12 characters")]
    TooShort,
    #[error("at most 256 characters")]
    TooLong,
    #[error("among the most common passwords")]
    Common,
    #[error("the same as the e-mail address")]
    SameAsEmail,
}

impl WeakPassword {
    /// The message shown next to the field.
    pub fn message(self) -> common::i18n::Text {
        use common::i18n::Text;
        match self {
            WeakPassword::TooShort => Text::fixed("12 caractères au moins.", "At least 12 characters."),
            WeakPassword::TooLong => Text::fixed("256 caractères au plus.", "At most 256 characters."),
            WeakPassword::Common => Text::fixed(
                "Ce mot de passe est parmi les plus courants ; choisissez-en un autre.",
                "This password is among the most common; choose another.",
            ),
            WeakPassword::SameAsEmail => Text::fixed(
                "Le mot de passe ne doit pas reprendre l’adresse e-mail.",
                "The password must not repeat the e-mail address.",
            ),
        }
    }
}

impl NewPassword {
    /// Checks `raw` for an account of `email`.
    pub fn parse(raw: &str, email: &str) -> Result<Self, WeakPassword> {
        let chars = raw.chars().count();
        if chars < MIN_CHARS {
            return Err(WeakPassword::TooShort);
        }
        if chars > MAX_CHARS {
            return Err(WeakPassword::TooLong);
        }
        let lower = raw.to_lowercase();
        let distinct = lower.chars().collect::<std::collections::HashSet<_>>().len();
        if distinct < 3 || COMMON.lines().any(|l| !l.starts_with('#') && l == lower) {
            return Err(WeakPassword::Common);
        }
        if lower == email.to_lowercase() || email.split('@').next().is_some_and(|local| lower == local) {
            return Err(WeakPassword::SameAsEmail);
        }
        Ok(NewPassword(raw.to_owned()))
    }

    /// The password itself, to hash.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Hashes and checks passwords with argon2id at the configured cost.
#[derive(Clone)]
pub struct PasswordHasherConfig {
    argon2: Argon2<'static>,
    /// Checked when no account matches, so that an unknown e-mail costs as much.
    decoy: String,
}

impl PasswordHasherConfig {
    /// argon2id with `params`.
    pub fn new(params: Argon2Params) -> anyhow::Result<Self> {
        let params = Params::new(params.memory_kib, params.iterations, params.parallelism, None)
            .map_err(|e| anyhow::anyhow!("ARGON2_* parameters: {e}"))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let decoy = argon2
            .hash_password(rand::random::<[u8; 16]>().as_slice())
            .map_err(|e| anyhow::anyhow!("hashing: {e}"))?
            .to_string();
        Ok(PasswordHasherConfig { argon2, decoy })
    }

    /// The PHC string of `password`, with a fresh salt.
    pub fn hash(&self, password: &NewPassword) -> anyhow::Result<String> {
        Ok(self
            .argon2
            .hash_password(password.expose().as_bytes())
            .map_err(|e| anyhow::anyhow!("hashing: {e}"))?
            .to_string())
    }

    /// Whether `password` matches `stored`; with no stored hash, a decoy is
    /// checked and the answer is no.
    pub fn verify(&self, password: &str, stored: Option<&str>) -> bool {
        let (phc, real) = match stored {
            Some(s) => (s, true),
            None => (self.decoy.as_str(), false),
        };
        let Ok(parsed) = PasswordHash::new(phc) else { return false };
        self.argon2.verify_password(password.as_bytes(), &parsed).is_ok() && real
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_refuses_short_common_and_obvious_passwords() {
        let email = "jeanne.martin@hanches.fr";
        assert_eq!(NewPassword::parse("court", email).err(), Some(WeakPassword::TooShort));
        assert_eq!(NewPassword::parse("MotDePasse123", email).err(), Some(WeakPassword::Common));
        assert_eq!(NewPassword::parse("aaaaaaaaaaaaaa", email).err(), Some(WeakPassword::Common));
        assert_eq!(NewPassword::parse("jeanne.martin", email).err(), Some(WeakPassword::SameAsEmail));
        assert_eq!(NewPassword::parse(&"x1y".repeat(90), email).err(), Some(WeakPassword::TooLong));
        assert!(NewPassword::parse("vélo cargo sous la pluie", email).is_ok());
        // Twelve characters, not bytes: accents count once.
        assert!(NewPassword::parse("éléphantéléé", email).is_ok());
    }

    #[test]
    fn hashes_verify_only_their_password() {
        let hasher =
            PasswordHasherConfig::new(Argon2Params { memory_kib: 64, iterations: 1, parallelism: 1 })
                .unwrap();
        let pw = NewPassword::parse("vélo cargo sous la pluie", "a@b.fr").unwrap();
        let stored = hasher.hash(&pw).unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(hasher.verify("vélo cargo sous la pluie", Some(&stored)));
        assert!(!hasher.verify("velo cargo sous la pluie", Some(&stored)));
        assert!(!hasher.verify("vélo cargo sous la pluie", None));
        assert!(!hasher.verify("x", Some("not a hash")));
    }
}
