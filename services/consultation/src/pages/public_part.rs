//! What a consultation's page shows every visitor who is not staff alike (the
//! consultation, its questions, proposals or projects, and comments), kept in
//! memory while the town's revision stands, so that a page costs a citizen's
//! own queries only. Staff see drafts and hidden comments: never kept.
use std::sync::{Arc, OnceLock};

use actix_web::web;
use chrono::{DateTime, Utc};
use common::{AppState, Problem, Town, auth::Principal, paging::Page, tenancy::kept::KeptByTown};
use uuid::Uuid;

use super::{
    ConsultationView, QuestionView, budget::ProjectView, comments::CommentView, ideas::ProposalView,
};
use crate::{
    routes::{
        access::{Viewer, visible_kept},
        budget as budget_routes, comments as comment_routes,
        dto::ConsultationDto,
        proposals, questionnaire,
    },
    store::{comments::Thread, proposals::Sort},
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

/// What a heap block costs beyond its bytes (the allocator's header and
/// rounding), counted so that `PAGE_CACHE_MB` is the memory it takes.
const BLOCK: usize = 16;

/// What the store spends on an entry besides the value: the key and its
/// category, the entry's record, its place in the eviction order and map.
const ENTRY: usize = 256;

fn text(s: &str) -> usize {
    if s.is_empty() { 0 } else { s.len() + BLOCK }
}

fn opt(s: &Option<String>) -> usize {
    s.as_deref().map_or(0, text)
}

fn list<T>(items: &[T]) -> usize {
    if items.is_empty() { 0 } else { size_of_val(items) + BLOCK }
}

/// A comment's own texts, without its replies.
fn comment_texts(c: &CommentView) -> usize {
    opt(&c.author) + opt(&c.body_html) + opt(&c.moderation_reason)
}

fn kept(state: &AppState) -> &'static KeptByTown<Key, Kept> {
    static KEPT: OnceLock<KeptByTown<Key, Kept>> = OnceLock::new();
    KEPT.get_or_init(|| {
        KeptByTown::new(u64::from(state.config.page_cache_mb) * 1024 * 1024, |k| k.part.weight())
    })
}

impl PublicPart {
    /// The bytes it holds, as the allocator counts them: every text and list
    /// is a block of its own with a header, and the store adds its entry.
    fn weight(&self) -> usize {
        let c = &self.c;
        let comment = |t: &CommentView| {
            comment_texts(t)
                + t.replies.as_ref().map_or(0, |r| list(r) + r.iter().map(comment_texts).sum::<usize>())
        };
        ENTRY
            + size_of::<Kept>()
            + size_of::<PublicPart>()
            + 2 * BLOCK
            + text(&c.title)
            + text(&c.summary)
            + text(&c.body_html)
            + opt(&c.body_markdown)
            + list(&c.categories)
            + c.categories.iter().map(|s| text(s)).sum::<usize>()
            + list(&self.questions)
            + self.questions.iter().map(|q| text(&q.label) + list(&q.options)).sum::<usize>()
            + self.questions.iter().flat_map(|q| &q.options).map(|o| text(&o.label)).sum::<usize>()
            + list(&self.proposals)
            + self
                .proposals
                .iter()
                .map(|p| {
                    text(&p.title)
                        + text(&p.body)
                        + opt(&p.category)
                        + opt(&p.author)
                        + text(&p.status)
                        + opt(&p.answer)
                })
                .sum::<usize>()
            + list(&self.projects)
            + self.projects.iter().map(|p| text(&p.title) + text(&p.description)).sum::<usize>()
            + list(&self.threads)
            + self.threads.iter().map(comment).sum::<usize>()
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

/// Reads the part as the API gives it to `who`, checking once that they may
/// see the consultation; `Comments::Skipped` leaves the threads out.
pub(super) async fn read_part(
    town: &Town,
    state: &web::Data<AppState>,
    who: &Option<Principal>,
    id: Uuid,
    category: &str,
    comments: Comments,
) -> Result<PublicPart, Problem> {
    let viewer = Viewer::of(who);
    let staff = viewer.is_staff();
    let model = visible_kept(state, town, viewer, id).await?;
    let c: ConsultationView = view(ConsultationDto::of((*model).clone(), staff, Utc::now()))?;
    let questions = match c.kind.as_str() {
        "questionnaire" => view(questionnaire::questions_of(state, town, &model).await?)?,
        _ => Vec::new(),
    };
    let proposals = match c.kind.as_str() {
        "proposals" => {
            let category = Some(category).filter(|c| !c.is_empty());
            let page = Page { limit: 100, offset: 0 };
            view(proposals::proposals_of(state, town, id, category, Sort::Supports, page).await?)?
        }
        _ => Vec::new(),
    };
    let projects = match c.kind.as_str() {
        "budget" => view(budget_routes::projects_of(state, town, &model, staff).await?)?,
        _ => Vec::new(),
    };
    let threads = match comments {
        Comments::Skipped => Vec::new(),
        Comments::Read => {
            let thread = Thread { consultation: id, proposal: None };
            let page = Page { limit: 100, offset: 0 };
            view(comment_routes::threads_of(state, town, staff, thread, page).await?)?
        }
    };
    Ok(PublicPart { c, questions, proposals, projects, threads })
}

/// The page's view of what the API gives: the same fields, read in memory.
fn view<T: serde::Serialize, V: serde::de::DeserializeOwned>(api: T) -> Result<V, Problem> {
    serde_json::to_value(api).and_then(serde_json::from_value).map_err(Problem::internal)
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

    #[test]
    fn a_parts_weight_counts_every_text_as_a_block_of_its_own() {
        let now = Utc::now();
        let empty = part(None, None);
        let comment = |body: &str| CommentView {
            id: Uuid::now_v7(),
            author: Some("Camille".into()),
            body_html: Some(body.into()),
            hidden: false,
            moderation_reason: None,
            created_at: now,
            reply_count: Some(0),
            replies: Some(Vec::new()),
        };
        let mut talked = part(None, None);
        talked.threads = (0..100).map(|_| comment("<p>Oui</p>")).collect();
        let texts = 100 * ("Camille".len() + "<p>Oui</p>".len());
        // Beyond the texts' bytes: two blocks a comment and the list of them.
        let added = talked.weight() - empty.weight();
        assert!(added >= texts + 200 * BLOCK + 100 * size_of::<CommentView>(), "{added}");
        assert!(empty.weight() >= ENTRY + size_of::<PublicPart>());
    }
}
