//! The kinds of mail a town sends people, and when each person wants them.
use serde::{Deserialize, Serialize};

/// A kind of non-transactional mail; account mails have none and always go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    NewConsultations,
    Results,
    Replies,
    ProposalAnswers,
    Announcements,
    Digest,
}

/// What an unsubscribe "from everything from this town" records.
pub const ALL: &str = "all";

impl Topic {
    /// Every topic.
    pub const EVERY: [Topic; 6] = [
        Topic::NewConsultations,
        Topic::Results,
        Topic::Replies,
        Topic::ProposalAnswers,
        Topic::Announcements,
        Topic::Digest,
    ];

    /// As stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::NewConsultations => "new_consultations",
            Topic::Results => "results",
            Topic::Replies => "replies",
            Topic::ProposalAnswers => "proposal_answers",
            Topic::Announcements => "announcements",
            Topic::Digest => "digest",
        }
    }

    /// The topic named `raw`, if any.
    pub fn parse(raw: &str) -> Option<Topic> {
        Topic::EVERY.into_iter().find(|t| t.as_str() == raw)
    }

    /// A few words for the unsubscribe page.
    pub fn label_fr(self) -> &'static str {
        match self {
            Topic::NewConsultations => "les nouvelles consultations",
            Topic::Results => "les résultats des consultations auxquelles vous avez participé",
            Topic::Replies => "les réponses à vos commentaires",
            Topic::ProposalAnswers => "les réponses de la commune à vos propositions",
            Topic::Announcements => "les annonces de la commune",
            Topic::Digest => "le récapitulatif de la semaine",
        }
    }

    /// The same words in English.
    pub fn label_en(self) -> &'static str {
        match self {
            Topic::NewConsultations => "new consultations",
            Topic::Results => "the results of the consultations you took part in",
            Topic::Replies => "replies to your comments",
            Topic::ProposalAnswers => "the town's answers to your proposals",
            Topic::Announcements => "the town's announcements",
            Topic::Digest => "the weekly digest",
        }
    }
}

/// When a person hears of one kind of news.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    /// A mail as it happens.
    Immediate,
    /// Gathered in the weekly digest.
    Weekly,
    Off,
}

impl Timing {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Timing::Immediate => "immediate",
            Timing::Weekly => "weekly",
            Timing::Off => "off",
        }
    }

    /// The timing stored as `raw`; anything unknown reads as the default.
    pub fn parse_or(raw: &str, default: Timing) -> Timing {
        match raw {
            "immediate" => Timing::Immediate,
            "weekly" => Timing::Weekly,
            "off" => Timing::Off,
            _ => default,
        }
    }
}

/// A citizen's choices; without a stored row, [`Preferences::default`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Preferences {
    pub new_consultations: Timing,
    pub results: Timing,
    pub replies: Timing,
    pub proposal_answers: Timing,
}

impl Default for Preferences {
    /// Results, replies and answers as they happen; new consultations weekly.
    fn default() -> Self {
        Preferences {
            new_consultations: Timing::Weekly,
            results: Timing::Immediate,
            replies: Timing::Immediate,
            proposal_answers: Timing::Immediate,
        }
    }
}

impl Preferences {
    /// The timing chosen for `topic`; announcements and digests have none (always on unless unsubscribed).
    pub fn timing(&self, topic: Topic) -> Timing {
        match topic {
            Topic::NewConsultations => self.new_consultations,
            Topic::Results => self.results,
            Topic::Replies => self.replies,
            Topic::ProposalAnswers => self.proposal_answers,
            Topic::Announcements | Topic::Digest => Timing::Immediate,
        }
    }

    /// The stored row's choices.
    pub fn of(row: &entity::notification_preference::Model) -> Self {
        let d = Preferences::default();
        Preferences {
            new_consultations: Timing::parse_or(&row.new_consultations, d.new_consultations),
            results: Timing::parse_or(&row.results, d.results),
            replies: Timing::parse_or(&row.replies, d.replies),
            proposal_answers: Timing::parse_or(&row.proposal_answers, d.proposal_answers),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_names() {
        let d = Preferences::default();
        assert_eq!(
            (d.timing(Topic::NewConsultations), d.timing(Topic::Results)),
            (Timing::Weekly, Timing::Immediate)
        );
        for t in Topic::EVERY {
            assert_eq!(Topic::parse(t.as_str()), Some(t));
        }
        assert_eq!(Topic::parse(ALL), None);
        assert_eq!(Timing::parse_or("bogus", Timing::Off), Timing::Off);
    }
}
