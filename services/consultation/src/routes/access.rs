//! Which consultation a caller may see or take part in, checked the same way by every route.
use actix_web::http::StatusCode;
use std::{borrow::Borrow, sync::Arc};

use chrono::Utc;
use common::{AppState, Problem, Town, auth::Principal, i18n::Text};
use entity::consultation;
use uuid::Uuid;

use crate::{
    domain::{
        consultation::{Audience, Kind},
        status::{DRAFT, phase},
    },
    store::{consultations, kept_consultations},
};

/// Who is looking: what they may see depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// Not signed in: published consultations open to the public.
    Anonymous,
    /// Signed in to this town (tokens are bound to their town): every published consultation.
    Member,
    /// An admin or moderator of this town: drafts too.
    Staff,
}

impl Viewer {
    /// The viewer behind an optional sign-in.
    pub fn of(principal: &Option<Principal>) -> Viewer {
        match principal {
            None => Viewer::Anonymous,
            Some(p) if p.role.is_staff() => Viewer::Staff,
            Some(_) => Viewer::Member,
        }
    }

    /// Whether the viewer is staff of this town.
    pub fn is_staff(self) -> bool {
        self == Viewer::Staff
    }
}

/// A 409 `conflict` saying why.
pub fn conflict(fr: &'static str, en: &'static str) -> Problem {
    Problem::new(StatusCode::CONFLICT, "conflict").with_detail(Text::fixed(fr, en))
}

/// The consultation `id` of this town as `viewer` may see it: unknown,
/// another town's, or a draft for anyone but staff are all a 404; one for
/// registered people is a 401 to anyone not signed in.
pub async fn visible(
    state: &AppState,
    town: &Town,
    viewer: Viewer,
    id: Uuid,
) -> Result<consultation::Model, Problem> {
    let c = consultations::get(&state.db, town.scope(), id).await.map_err(Problem::internal)?;
    seen_by(c, viewer)
}

/// [`visible`], with the row from memory while its town stands unwritten
/// (see `kept_consultations`): for reads that are kept themselves.
pub async fn visible_kept(
    state: &AppState,
    town: &Town,
    viewer: Viewer,
    id: Uuid,
) -> Result<Arc<consultation::Model>, Problem> {
    let c = kept_consultations::get(&state.db, town.scope(), id).await.map_err(Problem::internal)?;
    seen_by(c, viewer)
}

/// `c` as `viewer` may see it (see [`visible`]).
fn seen_by<C: Borrow<consultation::Model>>(c: Option<C>, viewer: Viewer) -> Result<C, Problem> {
    let c = c.filter(|c| viewer.is_staff() || c.borrow().status != DRAFT).ok_or_else(Problem::not_found)?;
    if viewer == Viewer::Anonymous && c.borrow().audience != Audience::Public.as_str() {
        return Err(common::auth::unauthenticated().with_detail(Text::fixed(
            "Connectez-vous pour voir cette consultation.",
            "Sign in to see this consultation.",
        )));
    }
    Ok(c)
}

/// 409 `conflict` unless the consultation is of `kind`.
pub fn require_kind(c: &consultation::Model, kind: Kind) -> Result<(), Problem> {
    if c.kind == kind.as_str() {
        return Ok(());
    }
    Err(match kind {
        Kind::Questionnaire => conflict(
            "Cette consultation n’est pas un questionnaire.",
            "This consultation is not a questionnaire.",
        ),
        Kind::Proposals => conflict(
            "Cette consultation n’est pas une boîte à idées.",
            "This consultation is not an idea box.",
        ),
        Kind::Budget => conflict(
            "Cette consultation n’est pas un budget participatif.",
            "This consultation is not a participatory budget.",
        ),
    })
}

/// 409 `consultation_not_open` unless citizens may take part right now.
pub fn require_open(c: &consultation::Model) -> Result<(), Problem> {
    if phase(&c.status, c.opens_at, c.closes_at, Utc::now()) == "open" {
        Ok(())
    } else {
        Err(Problem::new(StatusCode::CONFLICT, "consultation_not_open"))
    }
}

/// The published consultation `id`, of `kind` if given, open for
/// contributions (the row may come from memory: see `kept_consultations`).
pub async fn open_for(
    state: &AppState,
    town: &Town,
    id: Uuid,
    kind: Option<Kind>,
) -> Result<Arc<consultation::Model>, Problem> {
    let c = kept_consultations::get(&state.db, town.scope(), id).await.map_err(Problem::internal)?;
    let c = seen_by(c, Viewer::Member)?;
    if let Some(kind) = kind {
        require_kind(&c, kind)?;
    }
    require_open(&c)?;
    Ok(c)
}

/// Whether results may be shown: to staff always, to the public once closed.
pub fn results_visible(c: &consultation::Model, staff: bool) -> bool {
    staff || matches!(phase(&c.status, c.opens_at, c.closes_at, Utc::now()), "closed" | "archived")
}
