//! One page of a list: `limit` and `offset` checked the same way everywhere.
use crate::{Problem, i18n::Text, problem::FieldError};

/// Largest page a list returns.
pub const MAX_PAGE: u64 = 100;

/// Largest offset accepted; beyond it a list is better searched than paged
/// (and the database takes offsets as signed 64-bit numbers).
pub const MAX_OFFSET: u64 = 1_000_000;

/// A checked page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: u64,
    pub offset: u64,
}

impl Page {
    /// `limit` 1 to 100 (default 20), `offset` 0 to 1,000,000 (default 0).
    pub fn parse(limit: Option<u64>, offset: Option<u64>) -> Result<Page, Problem> {
        Page::check(limit, offset, 20).map_err(Problem::validation)
    }

    /// The same checks with another default `limit`; the errors, to report
    /// beside those of other fields.
    pub fn check(
        limit: Option<u64>,
        offset: Option<u64>,
        default_limit: u64,
    ) -> Result<Page, Vec<FieldError>> {
        let limit = limit.unwrap_or(default_limit);
        let offset = offset.unwrap_or(0);
        let mut errors = Vec::new();
        if !(1..=MAX_PAGE).contains(&limit) {
            errors.push(FieldError::new("limit", Text::fixed("De 1 à 100.", "From 1 to 100.")));
        }
        if offset > MAX_OFFSET {
            errors.push(FieldError::new("offset", Text::fixed("De 0 à 1 000 000.", "From 0 to 1,000,000.")));
        }
        if errors.is_empty() { Ok(Page { limit, offset }) } else { Err(errors) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_bounded() {
        assert_eq!(Page::parse(None, None).unwrap(), Page { limit: 20, offset: 0 });
        assert!(Page::parse(Some(100), Some(MAX_OFFSET)).is_ok());
        assert!(Page::parse(Some(0), None).is_err());
        assert!(Page::parse(Some(101), None).is_err());
        assert!(Page::parse(None, Some(u64::MAX)).is_err());
    }
}
