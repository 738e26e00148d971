//! Questions as an admin writes them, and a citizen's answers checked against
//! them all at once.
use std::collections::{HashMap, HashSet};

use common::{i18n::Text, problem::FieldError};
use uuid::Uuid;

/// What a question asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionKind {
    SingleChoice,
    MultipleChoice,
    Text,
    Scale,
}

impl QuestionKind {
    /// The kind as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::SingleChoice => "single_choice",
            QuestionKind::MultipleChoice => "multiple_choice",
            QuestionKind::Text => "text",
            QuestionKind::Scale => "scale",
        }
    }

    /// The kind named `raw`.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "single_choice" => Some(QuestionKind::SingleChoice),
            "multiple_choice" => Some(QuestionKind::MultipleChoice),
            "text" => Some(QuestionKind::Text),
            "scale" => Some(QuestionKind::Scale),
            _ => None,
        }
    }
}

/// Default and largest length of a free-text answer.
const TEXT_DEFAULT: i32 = 2_000;
const TEXT_MAX: i32 = 10_000;

/// A question ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQuestion {
    pub kind: QuestionKind,
    pub label: String,
    pub required: bool,
    pub options: Vec<String>,
    /// Multiple choice: fewest and most options; scale: bounds; text: `max` is the length.
    pub min: Option<i32>,
    pub max: Option<i32>,
}

fn err(errors: &mut Vec<FieldError>, field: &str, fr: &'static str, en: &'static str) {
    errors.push(FieldError::new(field, Text::fixed(fr, en)));
}

fn clean(raw: &str, max: usize) -> Option<String> {
    let value = raw.trim();
    let ok = !value.is_empty() && value.chars().count() <= max && !value.chars().any(char::is_control);
    ok.then(|| value.to_owned())
}

impl NewQuestion {
    /// Checks a question, naming each field at fault.
    pub fn parse(
        kind: &str,
        label: &str,
        required: bool,
        options: &[String],
        min: Option<i32>,
        max: Option<i32>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind = QuestionKind::parse(kind);
        if kind.is_none() {
            err(
                &mut errors,
                "kind",
                "single_choice, multiple_choice, text ou scale.",
                "single_choice, multiple_choice, text or scale.",
            );
        }
        let label = clean(label, 500).unwrap_or_else(|| {
            err(
                &mut errors,
                "label",
                "De 1 à 500 caractères, sur une ligne.",
                "1 to 500 characters, on one line.",
            );
            String::new()
        });
        let mut cleaned = Vec::new();
        let choice = matches!(kind, Some(QuestionKind::SingleChoice | QuestionKind::MultipleChoice));
        if choice {
            cleaned = options.iter().filter_map(|o| clean(o, 300)).collect();
            let distinct: HashSet<&String> = cleaned.iter().collect();
            if cleaned.len() != options.len()
                || distinct.len() != cleaned.len()
                || !(2..=50).contains(&cleaned.len())
            {
                err(
                    &mut errors,
                    "options",
                    "De 2 à 50 options distinctes, de 1 à 300 caractères.",
                    "2 to 50 distinct options of 1 to 300 characters.",
                );
            }
        } else if !options.is_empty() {
            err(
                &mut errors,
                "options",
                "Seulement pour une question à choix.",
                "Only for a choice question.",
            );
        }
        let (min, max) = match kind {
            Some(QuestionKind::MultipleChoice) => {
                let (lo, hi) = (min.unwrap_or(i32::from(required)), max.unwrap_or(cleaned.len() as i32));
                if lo < 0 || hi < lo.max(1) || hi as usize > cleaned.len().max(1) {
                    err(
                        &mut errors,
                        "max",
                        "0 ≤ min ≤ max ≤ nombre d’options.",
                        "0 ≤ min ≤ max ≤ number of options.",
                    );
                }
                (Some(lo), Some(hi))
            }
            Some(QuestionKind::Scale) => match (min, max) {
                (Some(lo), Some(hi)) if lo < hi && hi - lo <= 100 => (Some(lo), Some(hi)),
                _ => {
                    err(
                        &mut errors,
                        "max",
                        "Une échelle va de min à max (min < max, 100 pas au plus).",
                        "A scale runs from min to max (min < max, 100 steps at most).",
                    );
                    (min, max)
                }
            },
            Some(QuestionKind::Text) => {
                let hi = max.unwrap_or(TEXT_DEFAULT);
                if !(1..=TEXT_MAX).contains(&hi) || min.is_some() {
                    err(
                        &mut errors,
                        "max",
                        "Longueur de 1 à 10 000 caractères.",
                        "Length from 1 to 10,000 characters.",
                    );
                }
                (None, Some(hi))
            }
            _ => (None, None),
        };
        match kind {
            Some(kind) if errors.is_empty() => {
                Ok(NewQuestion { kind, label, required, options: cleaned, min, max })
            }
            _ => Err(errors),
        }
    }
}

/// A stored question with the ids of its options, as answers are checked against it.
#[derive(Debug, Clone)]
pub struct AskedQuestion {
    pub id: Uuid,
    pub kind: QuestionKind,
    pub required: bool,
    pub min: Option<i32>,
    pub max: Option<i32>,
    pub options: Vec<Uuid>,
}

/// One answer as a citizen sends it.
#[derive(Debug, Clone, Default)]
pub struct GivenAnswer {
    pub question_id: Uuid,
    pub option_ids: Vec<Uuid>,
    pub text: Option<String>,
    pub value: Option<i32>,
}

/// One row to store: an option, a text or a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerRow {
    pub question_id: Uuid,
    pub option_id: Option<Uuid>,
    pub text: Option<String>,
    pub value: Option<i32>,
}

/// Checks every answer against the questionnaire; either all rows, or every error.
pub fn check_answers(
    questions: &[AskedQuestion],
    given: &[GivenAnswer],
) -> Result<Vec<AnswerRow>, Vec<FieldError>> {
    let by_id: HashMap<Uuid, &AskedQuestion> = questions.iter().map(|q| (q.id, q)).collect();
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    for (i, answer) in given.iter().enumerate() {
        let field = format!("answers[{i}]");
        let Some(q) = by_id.get(&answer.question_id) else {
            errors.push(FieldError::new(
                format!("{field}.question_id"),
                Text::fixed("Question inconnue.", "Unknown question."),
            ));
            continue;
        };
        if !seen.insert(q.id) {
            errors.push(FieldError::new(
                format!("{field}.question_id"),
                Text::fixed("Question déjà répondue.", "Question answered twice."),
            ));
            continue;
        }
        let options: HashSet<&Uuid> = answer.option_ids.iter().collect();
        let wrong = |fr: &'static str, en: &'static str| FieldError::new(field.clone(), Text::fixed(fr, en));
        match q.kind {
            QuestionKind::SingleChoice | QuestionKind::MultipleChoice => {
                let (lo, hi) = match q.kind {
                    QuestionKind::SingleChoice => (1, 1),
                    _ => (q.min.unwrap_or(0), q.max.unwrap_or(i32::MAX)),
                };
                let count = answer.option_ids.len() as i32;
                if options.len() != answer.option_ids.len() || !options.iter().all(|o| q.options.contains(o))
                {
                    errors.push(wrong(
                        "Option inconnue pour cette question.",
                        "Option unknown to this question.",
                    ));
                } else if count < lo || count > hi || answer.text.is_some() || answer.value.is_some() {
                    errors.push(wrong(
                        "Nombre d’options choisies hors des limites.",
                        "Number of options outside the limits.",
                    ));
                } else {
                    rows.extend(answer.option_ids.iter().map(|o| AnswerRow {
                        question_id: q.id,
                        option_id: Some(*o),
                        text: None,
                        value: None,
                    }));
                }
            }
            QuestionKind::Text => {
                let text = answer.text.as_deref().map(str::trim).unwrap_or_default();
                let max = q.max.unwrap_or(TEXT_DEFAULT) as usize;
                if text.is_empty()
                    || text.chars().count() > max
                    || text.chars().any(|c| c.is_control() && c != '\n')
                {
                    errors.push(wrong(
                        "Texte vide, trop long ou avec des caractères de contrôle.",
                        "Text empty, too long or with control characters.",
                    ));
                } else if !answer.option_ids.is_empty() || answer.value.is_some() {
                    errors.push(wrong("Cette question attend un texte.", "This question expects a text."));
                } else {
                    rows.push(AnswerRow {
                        question_id: q.id,
                        option_id: None,
                        text: Some(text.to_owned()),
                        value: None,
                    });
                }
            }
            QuestionKind::Scale => match answer.value {
                Some(v)
                    if q.min.is_some_and(|lo| v >= lo)
                        && q.max.is_some_and(|hi| v <= hi)
                        && answer.option_ids.is_empty() =>
                {
                    rows.push(AnswerRow { question_id: q.id, option_id: None, text: None, value: Some(v) });
                }
                _ => errors.push(wrong("Valeur hors de l’échelle.", "Value outside the scale.")),
            },
        }
    }
    for q in questions.iter().filter(|q| q.required && !seen.contains(&q.id)) {
        errors.push(FieldError::new(
            format!("answers.{}", q.id),
            Text::fixed("Réponse obligatoire.", "An answer is required."),
        ));
    }
    if errors.is_empty() { Ok(rows) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(
        kind: QuestionKind,
        required: bool,
        min: Option<i32>,
        max: Option<i32>,
        options: usize,
    ) -> AskedQuestion {
        AskedQuestion {
            id: Uuid::new_v4(),
            kind,
            required,
            min,
            max,
            options: (0..options).map(|_| Uuid::new_v4()).collect(),
        }
    }

    #[test]
    fn questions_are_checked_by_kind() {
        let opts = |n: usize| (0..n).map(|i| format!("Option {i}")).collect::<Vec<_>>();
        assert!(NewQuestion::parse("single_choice", "Où ?", true, &opts(3), None, None).is_ok());
        assert_eq!(
            NewQuestion::parse("single_choice", "Où ?", true, &opts(1), None, None).unwrap_err()[0].field,
            "options"
        );
        assert_eq!(
            NewQuestion::parse("multiple_choice", "Où ?", false, &opts(3), Some(2), Some(4)).unwrap_err()[0]
                .field,
            "max"
        );
        assert_eq!(
            NewQuestion::parse("scale", "Note", true, &[], Some(5), Some(1)).unwrap_err()[0].field,
            "max"
        );
        assert_eq!(
            NewQuestion::parse("text", "Idées", false, &opts(2), None, None).unwrap_err()[0].field,
            "options"
        );
        assert_eq!(NewQuestion::parse("text", "", false, &[], None, None).unwrap_err()[0].field, "label");
        let dup = vec!["A".to_owned(), "A".to_owned()];
        assert_eq!(
            NewQuestion::parse("single_choice", "X", false, &dup, None, None).unwrap_err()[0].field,
            "options"
        );
    }

    #[test]
    fn answers_are_checked_together() {
        let single = q(QuestionKind::SingleChoice, true, None, None, 3);
        let multi = q(QuestionKind::MultipleChoice, false, Some(1), Some(2), 3);
        let scale = q(QuestionKind::Scale, true, Some(1), Some(5), 0);
        let text = q(QuestionKind::Text, false, None, Some(10), 0);
        let all = [single.clone(), multi.clone(), scale.clone(), text.clone()];
        let good = vec![
            GivenAnswer { question_id: single.id, option_ids: vec![single.options[0]], ..Default::default() },
            GivenAnswer {
                question_id: multi.id,
                option_ids: vec![multi.options[0], multi.options[2]],
                ..Default::default()
            },
            GivenAnswer { question_id: scale.id, value: Some(5), ..Default::default() },
            GivenAnswer { question_id: text.id, text: Some(" court ".into()), ..Default::default() },
        ];
        assert_eq!(check_answers(&all, &good).unwrap().len(), 5);

        let bad = vec![
            GivenAnswer { question_id: single.id, option_ids: vec![multi.options[0]], ..Default::default() },
            GivenAnswer { question_id: multi.id, option_ids: multi.options.clone(), ..Default::default() },
            GivenAnswer { question_id: text.id, text: Some("bien trop long".into()), ..Default::default() },
            GivenAnswer { question_id: Uuid::new_v4(), value: Some(1), ..Default::default() },
        ];
        let fields: Vec<String> =
            check_answers(&all, &bad).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "answers[0]",
                "answers[1]",
                "answers[2]",
                "answers[3].question_id",
                &format!("answers.{}", scale.id)
            ]
        );
        let out_of_range = vec![
            GivenAnswer { question_id: single.id, option_ids: vec![single.options[1]], ..Default::default() },
            GivenAnswer { question_id: scale.id, value: Some(6), ..Default::default() },
        ];
        assert_eq!(check_answers(&all, &out_of_range).unwrap_err()[0].field, "answers[1]");
    }
}
