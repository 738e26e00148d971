//! A consultation's contributions laid out as a table: one row per response,
//! proposal or ballot, one column per question or project.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

/// A table to write as CSV or JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// (key for JSON, label for the CSV header).
    pub columns: Vec<(String, String)>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The rows as JSON objects keyed by column key.
    pub fn to_json(&self) -> Vec<Value> {
        self.rows
            .iter()
            .map(|row| {
                let object: Map<String, Value> = self
                    .columns
                    .iter()
                    .zip(row)
                    .map(|((key, _), cell)| (key.clone(), Value::String(cell.clone())))
                    .collect();
                Value::Object(object)
            })
            .collect()
    }

    /// The table as CSV, every cell neutralised against formulas.
    pub fn to_csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record(self.columns.iter().map(|(_, label)| common::spreadsheet::safe_cell(label)))?;
        for row in &self.rows {
            out.write_record(row.iter().map(|c| common::spreadsheet::safe_cell(c)))?;
        }
        out.into_inner().map_err(|e| csv::Error::from(e.into_error()))
    }
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A question with its options, as exported.
pub struct ExportQuestion {
    pub id: Uuid,
    pub label: String,
    pub options: Vec<(Uuid, String)>,
}

/// One answer row: (response, question, option, text, value).
pub type AnswerCells = (Uuid, Uuid, Option<Uuid>, Option<String>, Option<i32>);

/// One row per response, one column per question; choices joined with `; `.
pub fn questionnaire(
    questions: &[ExportQuestion],
    responses: &[(Uuid, DateTime<Utc>)],
    answers: &[AnswerCells],
) -> Table {
    let mut columns = vec![
        ("response_id".to_owned(), "Réponse".to_owned()),
        ("submitted_at".to_owned(), "Date".to_owned()),
    ];
    columns.extend(questions.iter().map(|q| (q.id.to_string(), q.label.clone())));
    // Indexed once, so that the table costs answers + cells, not their product.
    let labels: HashMap<Uuid, &str> =
        questions.iter().flat_map(|q| q.options.iter().map(|(id, label)| (*id, label.as_str()))).collect();
    let mut cells: HashMap<(Uuid, Uuid), Vec<String>> = HashMap::new();
    for (response, question, option, text, value) in answers {
        let cell = match (option, text, value) {
            (Some(o), _, _) => labels.get(o).map(|l| (*l).to_owned()),
            (_, Some(t), _) => Some(t.clone()),
            (_, _, Some(v)) => Some(v.to_string()),
            _ => None,
        };
        if let Some(cell) = cell {
            cells.entry((*response, *question)).or_default().push(cell);
        }
    }
    let rows = responses
        .iter()
        .map(|(rid, at)| {
            let mut row = vec![rid.to_string(), time(*at)];
            row.extend(
                questions.iter().map(|q| cells.get(&(*rid, q.id)).map(|c| c.join("; ")).unwrap_or_default()),
            );
            row
        })
        .collect();
    Table { columns, rows }
}

/// One proposal as exported.
pub struct ExportProposal {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub author: String,
    pub title: String,
    pub body: String,
    pub category: Option<String>,
    pub supports: i32,
    pub status: String,
    pub answer: Option<String>,
}

/// One row per proposal.
pub fn proposals(rows: &[ExportProposal]) -> Table {
    let columns = [
        ("proposal_id", "Proposition"),
        ("submitted_at", "Date"),
        ("author", "Auteur"),
        ("title", "Titre"),
        ("body", "Texte"),
        ("category", "Catégorie"),
        ("supports", "Soutiens"),
        ("status", "Statut"),
        ("answer", "Réponse de la commune"),
    ]
    .map(|(k, l)| (k.to_owned(), l.to_owned()))
    .to_vec();
    let rows = rows
        .iter()
        .map(|p| {
            vec![
                p.id.to_string(),
                time(p.created_at),
                p.author.clone(),
                p.title.clone(),
                p.body.clone(),
                p.category.clone().unwrap_or_default(),
                p.supports.to_string(),
                p.status.clone(),
                p.answer.clone().unwrap_or_default(),
            ]
        })
        .collect();
    Table { columns, rows }
}

/// One row per ballot, one column per project (`1` when chosen).
pub fn ballots(
    projects: &[(Uuid, String)],
    ballots: &[(Uuid, DateTime<Utc>)],
    items: &[(Uuid, Uuid)],
) -> Table {
    let mut columns =
        vec![("ballot_id".to_owned(), "Bulletin".to_owned()), ("cast_at".to_owned(), "Date".to_owned())];
    columns.extend(projects.iter().map(|(id, title)| (id.to_string(), title.clone())));
    let chosen: HashSet<&(Uuid, Uuid)> = items.iter().collect();
    let rows =
        ballots
            .iter()
            .map(|(bid, at)| {
                let mut row = vec![bid.to_string(), time(*at)];
                row.extend(projects.iter().map(|(pid, _)| {
                    if chosen.contains(&(*bid, *pid)) { "1".to_owned() } else { String::new() }
                }));
                row
            })
            .collect();
    Table { columns, rows }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_questionnaire_table_has_a_column_per_question_and_safe_cells() {
        let (q1, q2, a, b, r) =
            (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let questions = [
            ExportQuestion {
                id: q1,
                label: "=Jours".into(),
                options: vec![(a, "Lundi".into()), (b, "+Mardi".into())],
            },
            ExportQuestion { id: q2, label: "Remarque".into(), options: vec![] },
        ];
        let answers = vec![
            (r, q1, Some(a), None, None),
            (r, q1, Some(b), None, None),
            (r, q2, None, Some("=cmd|'/c calc'!A1".into()), None),
        ];
        let table = questionnaire(&questions, &[(r, Utc::now())], &answers);
        assert_eq!(table.rows[0][2..], ["Lundi; +Mardi".to_owned(), "=cmd|'/c calc'!A1".to_owned()]);
        let csv = String::from_utf8(table.to_csv().unwrap()).unwrap();
        assert!(csv.starts_with("Réponse,Date,'=Jours,Remarque\n"), "{csv}");
        assert!(csv.contains(",'=cmd|'/c calc'!A1"), "{csv}");
        assert_eq!(table.to_json()[0][q2.to_string()], "=cmd|'/c calc'!A1");
    }

    #[test]
    fn a_ballot_table_marks_chosen_projects() {
        let (p1, p2, b) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let table = ballots(&[(p1, "Parc".into()), (p2, "-Piste".into())], &[(b, Utc::now())], &[(b, p2)]);
        assert_eq!(table.rows[0][2..], [String::new(), "1".to_owned()]);
        assert!(String::from_utf8(table.to_csv().unwrap()).unwrap().contains(",'-Piste"));
    }
}
