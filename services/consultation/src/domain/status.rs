//! Where a consultation is in its life, and which moves make sense.
use chrono::{DateTime, Utc};

/// Stored statuses.
pub const DRAFT: &str = "draft";
pub const PUBLISHED: &str = "published";
pub const CLOSED: &str = "closed";
pub const ARCHIVED: &str = "archived";

/// A move an admin asks for, and the statuses it may start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Publish,
    Close,
    Archive,
}

impl Move {
    /// Statuses this move applies to; from any other it is a 409 `conflict`.
    pub fn from(self) -> &'static [&'static str] {
        match self {
            Move::Publish => &[DRAFT],
            Move::Close => &[PUBLISHED],
            Move::Archive => &[CLOSED],
        }
    }

    /// The status after the move.
    pub fn to(self) -> &'static str {
        match self {
            Move::Publish => PUBLISHED,
            Move::Close => CLOSED,
            Move::Archive => ARCHIVED,
        }
    }
}

/// What people see: a published consultation is `upcoming` before it opens,
/// `open` until it closes, and `closed` after `closes_at` even before the
/// closing is recorded.
pub fn phase(
    status: &str,
    opens_at: Option<DateTime<Utc>>,
    closes_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> &'static str {
    match status {
        DRAFT => "draft",
        PUBLISHED if opens_at.is_some_and(|t| now < t) => "upcoming",
        PUBLISHED if closes_at.is_some_and(|t| now >= t) => "closed",
        PUBLISHED => "open",
        CLOSED => "closed",
        _ => "archived",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn the_phase_follows_the_clock() {
        let now = Utc::now();
        let (past, future) = (Some(now - Duration::hours(1)), Some(now + Duration::hours(1)));
        assert_eq!(phase(PUBLISHED, future, None, now), "upcoming");
        assert_eq!(phase(PUBLISHED, past, future, now), "open");
        assert_eq!(phase(PUBLISHED, past, past, now), "closed");
        assert_eq!(phase(DRAFT, None, None, now), "draft");
        assert_eq!(Move::Publish.from(), [DRAFT]);
    }
}
