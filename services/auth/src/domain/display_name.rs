//! The name a person shows on their contributions.
use common::i18n::Text;

/// 1 to 80 characters, no control characters, spaces collapsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

/// Why a name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidDisplayName {
    #[error("empty")]
    Empty,
    #[error("longer than 80 characters")]
    TooLong,
    #[error("holds line breaks or control characters")]
    Control,
}

impl InvalidDisplayName {
    /// The message shown next to the field.
    pub fn message(self) -> Text {
        match self {
            InvalidDisplayName::Empty => Text::fixed("Indiquez un nom.", "Give a name."),
            InvalidDisplayName::TooLong => Text::fixed("80 caractères au plus.", "At most 80 characters."),
            InvalidDisplayName::Control => Text::fixed(
                "Pas de retour à la ligne ni de caractère de contrôle.",
                "No line breaks or control characters.",
            ),
        }
    }
}

impl DisplayName {
    /// Parses a name as typed; a name that could break a mail header is refused.
    pub fn parse(raw: &str) -> Result<Self, InvalidDisplayName> {
        if raw.chars().any(char::is_control) {
            return Err(InvalidDisplayName::Control);
        }
        let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        match name.chars().count() {
            0 => Err(InvalidDisplayName::Empty),
            81.. => Err(InvalidDisplayName::TooLong),
            _ => Ok(DisplayName(name)),
        }
    }
}

impl AsRef<str> for DisplayName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_tidied_and_header_safe() {
        assert_eq!(DisplayName::parse("  Jeanne   Martin ").unwrap().as_ref(), "Jeanne Martin");
        assert_eq!(DisplayName::parse("Jeanne\r\nBcc: x@y.fr"), Err(InvalidDisplayName::Control));
        assert_eq!(DisplayName::parse("   "), Err(InvalidDisplayName::Empty));
        assert_eq!(DisplayName::parse(&"é".repeat(81)), Err(InvalidDisplayName::TooLong));
        assert!(DisplayName::parse(&"é".repeat(80)).is_ok());
    }
}
