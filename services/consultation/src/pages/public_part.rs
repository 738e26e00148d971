//! What a consultation's page shows every visitor who is not staff alike (the
//! consultation, its questions, proposals or projects, and comments), kept in
//! memory while the town's revision stands, so that a page costs a citizen's
//! own queries only. Staff see drafts and hidden comments: never kept.
use std::sync::{Arc, OnceLock};

use actix_web::web;
use chrono::{DateTime, Utc};
use common::{AppState, Problem, Town, auth::Principal, tenancy::kept::KeptByTown};
use uuid::Uuid;

use super::{
    ConsultationView, QuestionView, budget::ProjectView, comments::CommentView, ideas::ProposalView, read,
};
use crate::routes::{
    budget as budget_routes, comments as comment_routes, proposals, questionnaire, read as read_routes,
};

/// The public part of one consultation's page.
#[derive(Clone)]
pub(super) struct PublicPart {
    pub c: ConsultationView,
    pub questions: Vec<QuestionView>,
    pub proposals: Vec<ProposalView>,
    pub projects: Vec<ProjectView>,
    pub threads: Vec<CommentView>,
}

/// Whether a part is read with its comments.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Comments {
    Read,
    Skipped,
}

/// A part as kept: shown to anonymous visitors only if one of them read it
/// (a consultation for registered people is a 401 to them, and is read
/// again to say so).
struct Kept {
    part: Arc<PublicPart>,
    for_anonymous: bool,
}

/// Consultation and idea-box category, in their town.
type Key = (Uuid, String);

fn kept(state: &AppState) -> &'static KeptByTown<Key, Kept> {
    static KEPT: OnceLock<KeptByTown<Key, Kept>> = OnceLock::new();
    KEPT.get_or_init(|| {
        KeptByTown::new(u64::from(state.config.page_cache_mb) * 1024 * 1024, |k| k.part.weight())
    })
}

impl PublicPart {
    /// Roughly the bytes it holds.
    fn weight(&self) -> usize {
        let c = &self.c;
        let comment = |t: &CommentView| 200 + t.body_html.as_ref().map_or(0, String::len);
        512 + c.title.len()
            + c.summary.len()
            + c.body_html.len()
            + c.body_markdown.as_ref().map_or(0, String::len)
            + self.questions.iter().map(|q| 200 + q.label.len() + 100 * q.options.len()).sum::<usize>()
            + self.proposals.iter().map(|p| 200 + p.title.len() + p.body.len()).sum::<usize>()
            + self.projects.iter().map(|p| 200 + p.title.len() + p.description.len()).sum::<usize>()
            + self
                .threads
                .iter()
                .map(|t| comment(t) + t.replies.iter().flatten().map(comment).sum::<usize>())
                .sum::<usize>()
    }

    /// When it stops being true by itself: at the next opening or closing.
    fn next_change(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        [self.c.opens_at, self.c.closes_at].into_iter().flatten().filter(|at| *at > now).min()
    }
}

/// The public part of consultation `id` as `who` (not staff) sees it, with
/// proposals filtered on `category`: kept if it can be, read otherwise.
pub(super) async fn load(
    town: &Town,
    state: &web::Data<AppState>,
    who: &Option<Principal>,
    id: Uuid,
    category: &str,
) -> Result<Arc<PublicPart>, Problem> {
    let anonymous = who.is_none();
    if state.config.page_cache_mb == 0 {
        return Ok(Arc::new(read_part(town, state, who, id, category, Comments::Read).await?));
    }
    let (current, lookup) = kept(state).get(town.id, (id, category.to_owned())).await;
    if let Some(k) = current
        && (k.for_anonymous || !anonymous)
    {
        return Ok(k.part.clone());
    }
    let part = Arc::new(read_part(town, state, who, id, category, Comments::Read).await?);
    let until = part.next_change(lookup.now);
    kept(state).keep(lookup, Arc::new(Kept { part: part.clone(), for_anonymous: anonymous }), until).await;
    Ok(part)
}

/// Reads the part through the API's handlers, as a client would see it;
/// `Comments::Skipped` leaves the threads out.
pub(super) async fn read_part(
    town: &Town,
    state: &web::Data<AppState>,
    who: &Option<Principal>,
    id: Uuid,
    category: &str,
    comments: Comments,
) -> Result<PublicPart, Problem> {
    let path = || web::Path::from(id);
    let c: ConsultationView =
        read(read_routes::get(town.clone(), who.clone(), state.clone(), path()).await).await?;
    let questions = match c.kind.as_str() {
        "questionnaire" => {
            read(questionnaire::list(town.clone(), who.clone(), state.clone(), path()).await).await?
        }
        _ => Vec::new(),
    };
    let proposals = match c.kind.as_str() {
        "proposals" => {
            let query = match category {
                "" => "limit=100".to_owned(),
                c => format!("limit=100&category={}", common::page::encode(c)),
            };
            let params = web::Query::from_query(&query).map_err(|_| Problem::not_found())?;
            read(proposals::list(town.clone(), who.clone(), state.clone(), path(), params).await).await?
        }
        _ => Vec::new(),
    };
    let projects = match c.kind.as_str() {
        "budget" => read(budget_routes::list(town.clone(), who.clone(), state.clone(), path()).await).await?,
        _ => Vec::new(),
    };
    let threads = match comments {
        Comments::Skipped => Vec::new(),
        Comments::Read => {
            let params = web::Query::from_query("limit=100").map_err(Problem::internal)?;
            read(
                comment_routes::list_on_consultation(
                    town.clone(),
                    who.clone(),
                    state.clone(),
                    path(),
                    params,
                )
                .await,
            )
            .await?
        }
    };
    Ok(PublicPart { c, questions, proposals, projects, threads })
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn part(opens_at: Option<DateTime<Utc>>, closes_at: Option<DateTime<Utc>>) -> PublicPart {
        PublicPart {
            c: ConsultationView {
                id: Uuid::now_v7(),
                kind: "questionnaire".into(),
                phase: "open".into(),
                title: "t".into(),
                summary: String::new(),
                body_html: "<p>x</p>".into(),
                body_markdown: None,
                opens_at,
                closes_at,
                budget_cents: None,
                categories: Vec::new(),
            },
            questions: Vec::new(),
            proposals: Vec::new(),
            projects: Vec::new(),
            threads: Vec::new(),
        }
    }

    #[test]
    fn a_part_changes_by_itself_at_the_next_opening_or_closing() {
        let now = Utc::now();
        let soon = now + Duration::seconds(5);
        assert_eq!(part(None, Some(soon)).next_change(now), Some(soon));
        assert_eq!(part(Some(soon), Some(soon + Duration::days(3))).next_change(now), Some(soon));
        assert_eq!(part(None, Some(now - Duration::days(1))).next_change(now), None);
        assert_eq!(part(None, None).next_change(now), None);
    }
}
