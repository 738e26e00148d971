//! Participatory budgets: projects as admins add them, ballots as citizens
//! cast them, and which projects the envelope funds.
use std::collections::HashSet;

use common::{i18n::Text, problem::FieldError};
use uuid::Uuid;

/// A project ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProject {
    pub title: String,
    pub description: String,
    pub cost_cents: i64,
}

impl NewProject {
    /// Checks a project against the budget's `envelope`.
    pub fn parse(
        title: &str,
        description: &str,
        cost_cents: i64,
        envelope: i64,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let title = title.trim();
        if title.is_empty() || title.chars().count() > 200 || title.chars().any(char::is_control) {
            errors.push(FieldError::new(
                "title",
                Text::fixed("De 1 à 200 caractères, sur une ligne.", "1 to 200 characters, on one line."),
            ));
        }
        let description = description.trim();
        if description.chars().count() > 5_000
            || description.chars().any(|c| c.is_control() && c != '\n' && c != '\r')
        {
            errors.push(FieldError::new(
                "description",
                Text::fixed("5 000 caractères au plus.", "At most 5,000 characters."),
            ));
        }
        if !(1..=envelope).contains(&cost_cents) {
            errors.push(FieldError::new(
                "cost_cents",
                Text::fixed("Un coût positif, dans l’enveloppe.", "A positive cost, within the envelope."),
            ));
        }
        if errors.is_empty() {
            Ok(NewProject { title: title.to_owned(), description: description.to_owned(), cost_cents })
        } else {
            Err(errors)
        }
    }
}

/// Why a ballot was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadBallot {
    Invalid(Vec<FieldError>),
    /// The chosen projects cost more than the envelope.
    OverBudget {
        total: i64,
        envelope: i64,
    },
}

/// Checks a ballot: at least one project, each once, each of this budget, within the envelope.
pub fn check_ballot(projects: &[(Uuid, i64)], chosen: &[Uuid], envelope: i64) -> Result<(), BadBallot> {
    let distinct: HashSet<&Uuid> = chosen.iter().collect();
    let known: HashSet<Uuid> = projects.iter().map(|(id, _)| *id).collect();
    if chosen.is_empty() || distinct.len() != chosen.len() || !chosen.iter().all(|id| known.contains(id)) {
        return Err(BadBallot::Invalid(vec![FieldError::new(
            "project_ids",
            Text::fixed("Des projets de ce budget, chacun une fois.", "Projects of this budget, each once."),
        )]));
    }
    let total: i64 = projects.iter().filter(|(id, _)| distinct.contains(id)).map(|(_, cost)| cost).sum();
    if total > envelope { Err(BadBallot::OverBudget { total, envelope }) } else { Ok(()) }
}

/// Projects ranked by votes (ties: cheaper first, then in their order), each
/// marked funded if it still fits in what the envelope has left.
pub fn funded_in_rank_order(projects: &[(Uuid, i64, i32, i32)], envelope: i64) -> Vec<(Uuid, bool)> {
    let mut ranked: Vec<&(Uuid, i64, i32, i32)> = projects.iter().collect();
    ranked.sort_by(|a, b| b.2.cmp(&a.2).then(a.1.cmp(&b.1)).then(a.3.cmp(&b.3)));
    let mut left = envelope;
    ranked
        .into_iter()
        .map(|(id, cost, _, _)| {
            let fits = *cost <= left;
            if fits {
                left -= cost;
            }
            (*id, fits)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ballots_stay_within_the_envelope() {
        let (a, b, c) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let projects = [(a, 60), (b, 50), (c, 30)];
        assert!(check_ballot(&projects, &[a, c], 100).is_ok());
        assert_eq!(
            check_ballot(&projects, &[a, b], 100),
            Err(BadBallot::OverBudget { total: 110, envelope: 100 })
        );
        assert!(matches!(check_ballot(&projects, &[a, a], 100), Err(BadBallot::Invalid(_))));
        assert!(matches!(check_ballot(&projects, &[Uuid::new_v4()], 100), Err(BadBallot::Invalid(_))));
        assert!(matches!(check_ballot(&projects, &[], 100), Err(BadBallot::Invalid(_))));
    }

    #[test]
    fn the_envelope_funds_projects_in_rank_order() {
        let (a, b, c) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        // b has most votes; a does not fit after b; c still does.
        let got = funded_in_rank_order(&[(a, 60, 5, 1), (b, 50, 9, 2), (c, 30, 2, 3)], 100);
        assert_eq!(got, [(b, true), (a, false), (c, true)]);
        assert!(NewProject::parse("Aire de jeux", "", 0, 100).is_err());
        assert!(NewProject::parse("Aire de jeux", "", 101, 100).is_err());
    }
}
