//! Proposals as citizens write them, and the answers staff give.
use common::{i18n::Text, problem::FieldError};

/// A proposal ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProposal {
    pub title: String,
    pub body: String,
    /// One of the consultation's categories, as the town spelt it.
    pub category: Option<String>,
}

/// Statuses staff may give a proposal.
pub const ANSWER_STATUSES: [&str; 4] = ["under_review", "accepted", "rejected", "implemented"];

fn field(raw: &str, name: &str, max: usize, one_line: bool, errors: &mut Vec<FieldError>) -> String {
    let value = raw.trim();
    let bad_char = |c: char| c.is_control() && (one_line || (c != '\n' && c != '\r' && c != '\t'));
    if value.is_empty() || value.chars().count() > max || value.chars().any(bad_char) {
        let (fr, en) = if one_line {
            (
                format!("De 1 à {max} caractères, sur une ligne."),
                format!("1 to {max} characters, on one line."),
            )
        } else {
            (format!("De 1 à {max} caractères."), format!("1 to {max} characters."))
        };
        errors.push(FieldError::new(name, Text::new(fr, en)));
    }
    value.to_owned()
}

impl NewProposal {
    /// Checks title, body and category (one of `categories`) together.
    pub fn parse(
        title: &str,
        body: &str,
        category: Option<&str>,
        categories: &[String],
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let title = field(title, "title", 200, true, &mut errors);
        let body = field(body, "body", 5_000, false, &mut errors);
        let category = category.map(str::trim).filter(|c| !c.is_empty()).and_then(|wanted| {
            let known = categories.iter().find(|c| c.to_lowercase() == wanted.to_lowercase());
            if known.is_none() {
                errors.push(FieldError::new(
                    "category",
                    Text::fixed(
                        "Une des catégories de la consultation.",
                        "One of the consultation’s categories.",
                    ),
                ));
            }
            known.cloned()
        });
        if errors.is_empty() { Ok(NewProposal { title, body, category }) } else { Err(errors) }
    }
}

/// Checks a staff answer: a known status and a text.
pub fn parse_answer(status: &str, answer: &str) -> Result<(String, String), Vec<FieldError>> {
    let mut errors = Vec::new();
    if !ANSWER_STATUSES.contains(&status) {
        errors.push(FieldError::new(
            "status",
            Text::fixed(
                "under_review, accepted, rejected ou implemented.",
                "under_review, accepted, rejected or implemented.",
            ),
        ));
    }
    let text = field(answer, "answer", 5_000, false, &mut errors);
    if errors.is_empty() { Ok((status.to_owned(), text)) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proposals_and_answers_are_checked() {
        let cats = ["Mobilité".to_owned()];
        assert!(NewProposal::parse("Des arceaux", "Devant la mairie.\nEt la gare.", None, &cats).is_ok());
        let filed = NewProposal::parse("Arceaux", "Gare", Some(" mobilité"), &cats).unwrap();
        assert_eq!(filed.category.as_deref(), Some("Mobilité"));
        let fields: Vec<String> = NewProposal::parse("a\nb", "", Some("Sport"), &cats)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["title", "body", "category"]);
        assert!(parse_answer("accepted", "Oui, au printemps.").is_ok());
        assert_eq!(parse_answer("maybe", " ").unwrap_err().len(), 2);
    }
}
