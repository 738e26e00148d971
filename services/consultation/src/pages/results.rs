//! A consultation's results page: the town's text, then each question (or the
//! proposals, or the projects) as a bar chart with its table of figures.
use actix_web::{HttpResponse, web};
use askama::Template;
use common::{
    AppState, Problem, Town,
    page::{Frame, Visitor},
};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    ConsultationView,
    chart::{Bar, Chart, lay_out},
    consultation::kind_label,
    read,
};
use crate::routes::{read as read_routes, results};

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/consultations/{id}/results", web::get().to(show));
}

#[derive(Deserialize)]
struct ResultsView {
    participants: u64,
    comments: u64,
    results_text: Option<TextView>,
    questions: Option<Vec<QuestionResultView>>,
    idea_box: Option<IdeaBoxView>,
    budget: Option<BudgetView>,
}

#[derive(Deserialize)]
struct TextView {
    html: String,
}

#[derive(Deserialize)]
struct QuestionResultView {
    kind: String,
    label: String,
    answered: i64,
    options: Option<Vec<OptionResultView>>,
    mean: Option<f64>,
    distribution: Option<Vec<ValueView>>,
    texts: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct OptionResultView {
    label: String,
    count: i64,
    percent: f64,
}

#[derive(Deserialize)]
struct ValueView {
    value: i32,
    count: i64,
}

#[derive(Deserialize)]
struct IdeaBoxView {
    proposals: i64,
    supports: i64,
    top: Vec<ProposalView>,
}

#[derive(Deserialize)]
struct ProposalView {
    title: String,
    supports: i32,
}

#[derive(Deserialize)]
struct BudgetView {
    envelope_cents: i64,
    ballots: u64,
    projects: Vec<ProjectView>,
}

#[derive(Deserialize)]
struct ProjectView {
    title: String,
    cost_cents: i64,
    votes: Option<i32>,
    funded: Option<bool>,
}

/// One section of the page: a chart, its table, and free texts for staff.
struct Block {
    id: String,
    title: String,
    note: String,
    first_column: &'static str,
    figure_column: &'static str,
    chart: Chart,
    texts: Vec<String>,
}

#[derive(Template)]
#[template(path = "results.html")]
struct ResultsPage {
    f: Frame,
    c: ConsultationView,
    kind_label: &'static str,
    participants: u64,
    comments: u64,
    results_text: Option<String>,
    blocks: Vec<Block>,
}

/// Euros written the French way, without cents when round.
pub(super) fn euros(cents: i64) -> String {
    let units = cents / 100;
    let digits = units.abs().to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('\u{202f}');
        }
        grouped.push(ch);
    }
    let sign = if cents < 0 { "-" } else { "" };
    match cents.abs() % 100 {
        0 => format!("{sign}{grouped} €"),
        rest => format!("{sign}{grouped},{rest:02} €"),
    }
}

fn blocks_of(v: &Visitor, r: &ResultsView) -> Vec<Block> {
    let mut blocks = Vec::new();
    for q in r.questions.iter().flatten() {
        let note = format!(
            "{} {}",
            q.answered,
            v.t("personnes ont répondu à cette question.", "people answered this question.")
        );
        let (bars, first_column, figure_column) = match (&q.options, &q.distribution) {
            (Some(options), _) => (
                options
                    .iter()
                    .map(|o| Bar {
                        label: o.label.clone(),
                        figure: format!("{} ({} %)", o.count, o.percent),
                        value: o.count as f64,
                    })
                    .collect(),
                v.t("Choix", "Choice"),
                v.t("Réponses (part des répondants)", "Answers (share of respondents)"),
            ),
            (None, Some(values)) => (
                values
                    .iter()
                    .map(|d| Bar {
                        label: d.value.to_string(),
                        figure: d.count.to_string(),
                        value: d.count as f64,
                    })
                    .collect(),
                v.t("Note", "Score"),
                v.t("Réponses", "Answers"),
            ),
            _ => (Vec::new(), "", ""),
        };
        let note = match q.mean {
            Some(mean) if q.kind == "scale" => format!("{note} {} {mean:.1}.", v.t("Moyenne :", "Mean:")),
            _ => note,
        };
        blocks.push(Block {
            id: format!("graphique-{}", blocks.len() + 1),
            title: q.label.clone(),
            note,
            first_column,
            figure_column,
            chart: lay_out(bars),
            texts: q.texts.clone().unwrap_or_default(),
        });
    }
    if let Some(ideas) = &r.idea_box {
        let bars = ideas
            .top
            .iter()
            .map(|p| Bar {
                label: p.title.clone(),
                figure: p.supports.to_string(),
                value: f64::from(p.supports),
            })
            .collect();
        blocks.push(Block {
            id: "graphique-idees".into(),
            title: v.t("Propositions les plus soutenues", "Most supported proposals").into(),
            note: format!(
                "{} {} · {} {}",
                ideas.proposals,
                v.t("propositions", "proposals"),
                ideas.supports,
                v.t("soutiens", "supports")
            ),
            first_column: v.t("Proposition", "Proposal"),
            figure_column: v.t("Soutiens", "Supports"),
            chart: lay_out(bars),
            texts: Vec::new(),
        });
    }
    if let Some(budget) = &r.budget {
        let funded = v.t("financé", "funded");
        let bars = budget
            .projects
            .iter()
            .map(|p| {
                let votes = p.votes.unwrap_or(0);
                let mark = if p.funded == Some(true) { format!(" — {funded}") } else { String::new() };
                Bar {
                    label: format!("{} ({})", p.title, euros(p.cost_cents)),
                    figure: format!("{votes} {}{mark}", v.t("votes", "votes")),
                    value: f64::from(votes),
                }
            })
            .collect();
        blocks.push(Block {
            id: "graphique-budget".into(),
            title: v.t("Classement des projets", "Ranking of the projects").into(),
            note: format!(
                "{} {} · {} {}",
                budget.ballots,
                v.t("votes", "ballots"),
                v.t("enveloppe de", "envelope of"),
                euros(budget.envelope_cents)
            ),
            first_column: v.t("Projet", "Project"),
            figure_column: v.t("Votes", "Votes"),
            chart: lay_out(bars),
            texts: Vec::new(),
        });
    }
    blocks
}

async fn show(
    town: Town,
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let id = id.into_inner();
    let who = v.principal().cloned();
    let c: ConsultationView =
        read(read_routes::get(town.clone(), who.clone(), state.clone(), web::Path::from(id)).await).await?;
    let r: ResultsView = read(results::get(town, who, state, web::Path::from(id)).await).await?;
    let page = ResultsPage {
        f: v.frame(format!("{} : {}", v.t("Résultats", "Results"), c.title)),
        kind_label: kind_label(&v, &c.kind),
        participants: r.participants,
        comments: r.comments,
        results_text: r.results_text.as_ref().map(|t| t.html.clone()),
        blocks: blocks_of(&v, &r),
        c,
    };
    v.render(&page)
}

#[cfg(test)]
mod tests {
    use super::euros;

    #[test]
    fn euros_are_grouped_by_thousands() {
        assert_eq!(euros(150_000_000), "1\u{202f}500\u{202f}000 €");
        assert_eq!(euros(1_250), "12,50 €");
        assert_eq!(euros(0), "0 €");
    }
}
