//! A town's slug: the first label of its host name.
use std::fmt;

/// Labels kept for the platform itself.
const RESERVED: &[&str] = &[
    "www",
    "api",
    "admin",
    "operator",
    "operateur",
    "mail",
    "smtp",
    "imap",
    "static",
    "assets",
    "cdn",
    "app",
    "auth",
    "login",
    "metrics",
    "status",
    "help",
    "aide",
    "support",
    "docs",
    "dev",
    "test",
    "staging",
    "demo",
    "root",
    "system",
    "platform",
    "plateforme",
    "participation",
];

/// `^[a-z0-9]([a-z0-9-]{1,38}[a-z0-9])$`, not reserved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

/// Why a slug was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidSlug {
    #[error("3 to 40 characters: lower-case letters, digits and inner hyphens")]
    Malformed,
    #[error("this name is reserved by the platform")]
    Reserved,
}

/// The demo town's slug: reserved, so that only `participation demo` creates a town there.
pub const DEMO_SLUG: &str = "demo";

impl Slug {
    /// The demo town's slug, which [`Slug::parse`] refuses to signups.
    pub fn demo() -> Slug {
        Slug(DEMO_SLUG.to_owned())
    }

    /// Parses a slug as a town would type it.
    pub fn parse(raw: &str) -> Result<Self, InvalidSlug> {
        let bytes = raw.as_bytes();
        let edge_ok = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        let well_formed = (3..=40).contains(&bytes.len())
            && bytes.first().is_some_and(|b| edge_ok(*b))
            && bytes.last().is_some_and(|b| edge_ok(*b))
            && bytes.iter().all(|b| edge_ok(*b) || *b == b'-');
        if !well_formed {
            Err(InvalidSlug::Malformed)
        } else if RESERVED.contains(&raw) {
            Err(InvalidSlug::Reserved)
        } else {
            Ok(Slug(raw.to_owned()))
        }
    }
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn accepts_town_names() {
        for ok in ["saint-eloy-les-mines", "abc", "a1b", "x".repeat(40).as_str()] {
            assert!(Slug::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_malformed_and_reserved() {
        for bad in ["ab", "-abc", "abc-", "Abc", "a_b", "é-town", "a b", "", &"x".repeat(41)] {
            assert_eq!(Slug::parse(bad), Err(InvalidSlug::Malformed), "{bad}");
        }
        for reserved in ["www", "api", "admin", "operator", "mail", "static"] {
            assert_eq!(Slug::parse(reserved), Err(InvalidSlug::Reserved));
        }
    }

    proptest! {
        #[test]
        fn parse_agrees_with_the_published_pattern(s in "\\PC{0,45}") {
            let pattern_ok = s.len() >= 3 && s.len() <= 40
                && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !s.starts_with('-') && !s.ends_with('-');
            prop_assert_eq!(Slug::parse(&s).is_ok(), pattern_ok && !RESERVED.contains(&s.as_str()));
        }

        #[test]
        fn valid_slugs_round_trip(s in "[a-z0-9][a-z0-9-]{1,38}[a-z0-9]") {
            prop_assume!(!RESERVED.contains(&s.as_str()));
            prop_assert_eq!(Slug::parse(&s).map(|x| x.to_string()), Ok(s.clone()));
        }
    }
}
