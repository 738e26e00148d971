//! Comments as citizens write them, and the reasons given for reports and moderation.
use chrono::{DateTime, Duration, Utc};
use common::{i18n::Text, problem::FieldError};

use common::markdown;

/// How long after posting an author may still correct a comment.
pub const EDIT_WINDOW: Duration = Duration::minutes(15);

/// Longest comment, in characters.
const MAX_BODY: usize = 5_000;

/// Longest report or moderation reason, in characters.
const MAX_REASON: usize = 500;

/// A comment's text, checked and rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentText {
    pub markdown: String,
    pub html: String,
}

fn checked(raw: &str, field: &str, max: usize) -> Result<String, Vec<FieldError>> {
    let value = raw.trim();
    let bad_char = |c: char| c.is_control() && c != '\n' && c != '\r' && c != '\t';
    if value.is_empty() || value.chars().count() > max || value.chars().any(bad_char) {
        return Err(vec![FieldError::new(
            field,
            Text::new(format!("De 1 à {max} caractères."), format!("1 to {max} characters.")),
        )]);
    }
    Ok(value.to_owned())
}

impl CommentText {
    /// Checks the text and renders its Markdown-lite to safe HTML.
    pub fn parse(body: &str) -> Result<Self, Vec<FieldError>> {
        let markdown = checked(body, "body", MAX_BODY)?;
        let html = markdown::render_lite(&markdown);
        Ok(CommentText { markdown, html })
    }
}

/// A reason for a report or a moderation decision.
pub fn parse_reason(reason: &str) -> Result<String, Vec<FieldError>> {
    checked(reason, "reason", MAX_REASON)
}

/// Whether a comment posted at `created_at` may still be edited at `now`.
pub fn editable(created_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - created_at <= EDIT_WINDOW
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_checked_and_rendered_safely() {
        let t = CommentText::parse("  D’accord **avec** <script>x()</script> ").unwrap();
        assert_eq!(t.markdown, "D’accord **avec** <script>x()</script>");
        assert!(t.html.contains("<strong>avec</strong>") && !t.html.contains("<script"), "{}", t.html);
        assert_eq!(CommentText::parse(" ").unwrap_err()[0].field, "body");
        assert!(CommentText::parse(&"x".repeat(5_001)).is_err());
        assert!(CommentText::parse("a\u{0}b").is_err());
        assert_eq!(parse_reason("").unwrap_err()[0].field, "reason");
        assert!(parse_reason("Propos injurieux").is_ok());
    }

    #[test]
    fn the_edit_window_is_fifteen_minutes() {
        let now = Utc::now();
        assert!(editable(now - Duration::minutes(14), now));
        assert!(!editable(now - Duration::minutes(16), now));
    }
}
