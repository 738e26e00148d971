//! An e-mail address as a person gives it, normalised for comparison.
use std::fmt;

/// A plausible mailbox address, trimmed and lower-cased; no spaces, no
/// control characters, so it can go in a header as it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

/// Why an address was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not an e-mail address like prenom.nom@exemple.fr")]
pub struct InvalidEmail;

impl Email {
    /// Parses an address as typed in a form.
    pub fn parse(raw: &str) -> Result<Self, InvalidEmail> {
        let address = raw.trim().to_lowercase();
        let (local, domain) = address.rsplit_once('@').ok_or(InvalidEmail)?;
        let label_ok = |l: &str| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        let valid = address.len() <= 254
            && (1..=64).contains(&local.len())
            && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && domain.contains('.')
            && domain.split('.').all(label_ok);
        if valid { Ok(Email(address)) } else { Err(InvalidEmail) }
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        assert_eq!(Email::parse("  Jeanne.Martin@Hanches.FR ").unwrap().as_ref(), "jeanne.martin@hanches.fr");
        assert!(Email::parse("élise@mairie-hanches.fr").is_ok());
    }

    #[test]
    fn malformed_or_injecting_addresses_are_refused() {
        for bad in [
            "",
            "jeanne",
            "jeanne@",
            "@hanches.fr",
            "jeanne@localhost",
            "jeanne@hanches..fr",
            "jean ne@hanches.fr",
            "jeanne@hanches.fr\r\nBcc: x@y.fr",
            "jeanne@-hanches.fr",
            ".jeanne@hanches.fr",
            "a\u{7}@hanches.fr",
        ] {
            assert_eq!(Email::parse(bad), Err(InvalidEmail), "{bad:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn a_parsed_address_never_holds_whitespace_or_controls(raw in "\\PC{0,40}") {
            if let Ok(e) = Email::parse(&raw) {
                proptest::prop_assert!(!e.as_ref().chars().any(|c| c.is_whitespace() || c.is_control()));
            }
        }
    }
}
