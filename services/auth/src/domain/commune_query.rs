//! What a person typed to find their commune: a name, a postal code or an INSEE code.
use common::domain::InseeCode;
use migration::communes::search_key;

/// A parsed commune search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommuneQuery {
    /// Five digits: a postal code, or an INSEE code.
    Code(String),
    /// An INSEE code with a letter (Corsica).
    Insee(InseeCode),
    /// The start of a name, folded like the stored search names.
    NamePrefix(String),
}

/// The search text cannot find anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("type at least 2 letters of the name, or a postal code")]
pub struct InvalidCommuneQuery;

impl CommuneQuery {
    /// Parses the `q` parameter.
    pub fn parse(raw: &str) -> Result<Self, InvalidCommuneQuery> {
        let raw = raw.trim();
        if raw.len() == 5 && raw.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(CommuneQuery::Code(raw.to_owned()));
        }
        if let Ok(code) = InseeCode::parse(raw) {
            return Ok(CommuneQuery::Insee(code));
        }
        // Only letters, digits and spaces survive, so no LIKE wildcard can get through.
        let key: String = search_key(raw)
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == ' ')
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if (2..=100).contains(&key.chars().count()) {
            Ok(CommuneQuery::NamePrefix(key))
        } else {
            Err(InvalidCommuneQuery)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_codes_and_names() {
        assert_eq!(CommuneQuery::parse(" 63700 "), Ok(CommuneQuery::Code("63700".into())));
        assert!(matches!(CommuneQuery::parse("2A004"), Ok(CommuneQuery::Insee(_))));
        assert_eq!(
            CommuneQuery::parse("Saint-Éloy  les%_"),
            Ok(CommuneQuery::NamePrefix("saint eloy les".into()))
        );
    }

    #[test]
    fn refuses_what_cannot_match() {
        for bad in ["", "a", "%%", "  _ ", &"x".repeat(101)] {
            assert_eq!(CommuneQuery::parse(bad), Err(InvalidCommuneQuery), "{bad:?}");
        }
    }
}
