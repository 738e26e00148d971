//! A consultation's fields as staff submit them, checked all at once.
use chrono::{DateTime, Utc};
use common::{i18n::Text, problem::FieldError};

/// What a consultation asks of citizens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Questionnaire,
    Proposals,
    Budget,
}

impl Kind {
    /// The kind as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Questionnaire => "questionnaire",
            Kind::Proposals => "proposals",
            Kind::Budget => "budget",
        }
    }

    fn parse(raw: &str) -> Option<Kind> {
        match raw {
            "questionnaire" => Some(Kind::Questionnaire),
            "proposals" => Some(Kind::Proposals),
            "budget" => Some(Kind::Budget),
            _ => None,
        }
    }
}

/// Who may take part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Public,
    Registered,
}

impl Audience {
    /// The audience as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Public => "public",
            Audience::Registered => "registered",
        }
    }
}

/// Largest budget envelope accepted: 100 million euros, in cents.
const MAX_BUDGET_CENTS: i64 = 10_000_000_000;

/// The fields of a draft, valid together.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftFields {
    pub kind: Kind,
    pub title: String,
    pub summary: String,
    pub body_markdown: String,
    pub audience: Audience,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub budget_cents: Option<i64>,
    /// Labels proposals may be filed under (idea boxes only), in order, distinct.
    pub categories: Vec<String>,
}

/// The fields as they arrive, already typed by JSON.
#[derive(Debug, Clone, Default)]
pub struct RawFields<'a> {
    pub kind: &'a str,
    pub title: &'a str,
    pub summary: &'a str,
    pub body: &'a str,
    pub audience: Option<&'a str>,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub budget_cents: Option<i64>,
    pub categories: &'a [String],
}

/// Most categories an idea box offers.
const MAX_CATEGORIES: usize = 30;

fn text(field: &str, raw: &str, max: usize, required: bool, errors: &mut Vec<FieldError>) -> String {
    let value = raw.trim();
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        errors.push(FieldError::new(
            field,
            Text::fixed("Caractères de contrôle interdits.", "Control characters are not allowed."),
        ));
    } else if required && value.is_empty() {
        errors.push(FieldError::new(
            field,
            Text::fixed("Ce champ est obligatoire.", "This field is required."),
        ));
    } else if value.chars().count() > max {
        errors.push(FieldError::new(
            field,
            Text::new(format!("{max} caractères au plus."), format!("At most {max} characters.")),
        ));
    }
    value.to_owned()
}

impl DraftFields {
    /// Checks every field and reports each one at fault.
    pub fn parse(raw: RawFields<'_>) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind = Kind::parse(raw.kind);
        if kind.is_none() {
            errors.push(FieldError::new(
                "kind",
                Text::fixed("questionnaire, proposals ou budget.", "questionnaire, proposals or budget."),
            ));
        }
        let title = text("title", raw.title, 200, true, &mut errors);
        if title.contains(['\n', '\r']) {
            errors.push(FieldError::new("title", Text::fixed("Une seule ligne.", "A single line.")));
        }
        let summary = text("summary", raw.summary, 1_000, false, &mut errors);
        let body_markdown = text("body", raw.body, 50_000, false, &mut errors);
        let audience = match raw.audience {
            None | Some("public") => Some(Audience::Public),
            Some("registered") => Some(Audience::Registered),
            Some(_) => {
                errors.push(FieldError::new(
                    "audience",
                    Text::fixed("public ou registered.", "public or registered."),
                ));
                None
            }
        };
        if let (Some(opens), Some(closes)) = (raw.opens_at, raw.closes_at)
            && closes <= opens
        {
            errors
                .push(FieldError::new("closes_at", Text::fixed("Après l’ouverture.", "After the opening.")));
        }
        match (kind, raw.budget_cents) {
            // With no valid kind, whether an envelope belongs is unknown.
            (None, _) => {}
            (Some(Kind::Budget), Some(c)) if (1..=MAX_BUDGET_CENTS).contains(&c) => {}
            (Some(Kind::Budget), _) => errors.push(FieldError::new(
                "budget_cents",
                Text::fixed("Une enveloppe positive, en centimes.", "A positive envelope, in cents."),
            )),
            (_, Some(_)) => errors.push(FieldError::new(
                "budget_cents",
                Text::fixed("Seulement pour un budget participatif.", "Only for a participatory budget."),
            )),
            _ => {}
        }
        let categories = categories(raw.categories, kind, &mut errors);
        match (kind, audience) {
            (Some(kind), Some(audience)) if errors.is_empty() => Ok(DraftFields {
                kind,
                title,
                summary,
                body_markdown,
                audience,
                opens_at: raw.opens_at,
                closes_at: raw.closes_at,
                budget_cents: raw.budget_cents,
                categories,
            }),
            _ => Err(errors),
        }
    }
}

fn categories(raw: &[String], kind: Option<Kind>, errors: &mut Vec<FieldError>) -> Vec<String> {
    let mut labels: Vec<String> = Vec::with_capacity(raw.len());
    let before = errors.len();
    if !raw.is_empty() && kind.is_some_and(|k| k != Kind::Proposals) {
        errors.push(FieldError::new(
            "categories",
            Text::fixed("Seulement pour une boîte à idées.", "Only for an idea box."),
        ));
    } else if raw.len() > MAX_CATEGORIES {
        errors.push(FieldError::new(
            "categories",
            Text::new(
                format!("{MAX_CATEGORIES} catégories au plus."),
                format!("At most {MAX_CATEGORIES} categories."),
            ),
        ));
    }
    for (i, label) in raw.iter().enumerate() {
        let field = format!("categories[{i}]");
        let label = text(&field, label, 60, true, errors);
        if label.contains(['\n', '\r']) {
            errors.push(FieldError::new(field, Text::fixed("Une seule ligne.", "A single line.")));
        } else if labels.iter().any(|l| l.to_lowercase() == label.to_lowercase()) {
            errors.push(FieldError::new(field, Text::fixed("Déjà dans la liste.", "Already listed.")));
        }
        labels.push(label);
    }
    if errors.len() > before { Vec::new() } else { labels }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw<'a>() -> RawFields<'a> {
        RawFields { kind: "questionnaire", title: "Plan vélo", ..Default::default() }
    }

    #[test]
    fn a_minimal_questionnaire_is_a_public_draft() {
        let d = DraftFields::parse(raw()).unwrap();
        assert_eq!((d.kind, d.audience, d.budget_cents), (Kind::Questionnaire, Audience::Public, None));
    }

    #[test]
    fn every_bad_field_is_named() {
        let long = "x".repeat(201);
        let bad = RawFields {
            kind: "poll",
            title: &long,
            audience: Some("everyone"),
            budget_cents: Some(5),
            ..Default::default()
        };
        let fields: Vec<String> = DraftFields::parse(bad).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["kind", "title", "audience"]);
        let budget =
            RawFields { kind: "budget", title: "Écoles", budget_cents: Some(0), ..Default::default() };
        let fields: Vec<String> =
            DraftFields::parse(budget).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["budget_cents"]);
        let now = Utc::now();
        let backwards = RawFields { opens_at: Some(now), closes_at: Some(now), ..raw() };
        assert_eq!(DraftFields::parse(backwards).unwrap_err()[0].field, "closes_at");
        let two_lines = RawFields { title: "a\nb", ..raw() };
        assert_eq!(DraftFields::parse(two_lines).unwrap_err()[0].field, "title");
        let nul = RawFields { summary: "a\u{0}b", ..raw() };
        assert_eq!(DraftFields::parse(nul).unwrap_err()[0].field, "summary");
    }

    #[test]
    fn categories_belong_to_idea_boxes_and_are_distinct() {
        let labels = ["Mobilité".to_owned(), " Écoles ".to_owned()];
        let box_ = RawFields { kind: "proposals", categories: &labels, ..raw() };
        assert_eq!(DraftFields::parse(box_).unwrap().categories, ["Mobilité", "Écoles"]);
        let on_questionnaire = RawFields { categories: &labels, ..raw() };
        assert_eq!(DraftFields::parse(on_questionnaire).unwrap_err()[0].field, "categories");
        let twice = ["Vélo".to_owned(), "vélo".to_owned(), String::new()];
        let fields: Vec<String> =
            DraftFields::parse(RawFields { kind: "proposals", categories: &twice, ..raw() })
                .unwrap_err()
                .into_iter()
                .map(|e| e.field)
                .collect();
        assert_eq!(fields, ["categories[1]", "categories[2]"]);
    }
}
