//! Activity of one town by day and by consultation, grouped by the database.
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use common::TenantScope;
use entity::{ballot, comment, consultation, delivery, proposal, response, support};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, QueryFilter, QuerySelect, sea_query::Expr};
use uuid::Uuid;

/// Counts of one day or one consultation.
#[derive(Debug, Default, Clone)]
pub struct Activity {
    pub participants: HashSet<Uuid>,
    pub contributions: i64,
    pub supports: i64,
    pub emails: i64,
}

/// Activity since `from`: by day, and by consultation with its title and kind.
pub struct Stats {
    pub by_day: BTreeMap<NaiveDate, Activity>,
    pub by_consultation: Vec<(consultation::Model, Activity)>,
}

type Row = (String, Uuid, Uuid, i64);

macro_rules! grouped {
    ($conn:expr, $scope:expr, $from:expr, $backend:expr, $module:ident, $thread:ident, $person:ident) => {
        $scope
            .find::<$module::Entity>()
            .select_only()
            .column_as(common::db::day_of($backend, "created_at"), "day")
            .column($module::Column::$thread)
            .column($module::Column::$person)
            .column_as($module::Column::Id.count(), "n")
            .filter($module::Column::CreatedAt.gte($from))
            .group_by(Expr::cust("day"))
            .group_by($module::Column::$thread)
            .group_by($module::Column::$person)
            .into_tuple::<Row>()
            .all($conn)
    };
}

/// The town's activity since `from`: eight queries whatever its volume.
pub async fn since(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    from: DateTime<Utc>,
) -> Result<Stats, DbErr> {
    let backend = conn.get_database_backend();
    let mut contributions: Vec<Row> = Vec::new();
    contributions.extend(grouped!(conn, scope, from, backend, response, ConsultationId, UserId).await?);
    contributions.extend(grouped!(conn, scope, from, backend, proposal, ConsultationId, AuthorId).await?);
    contributions.extend(grouped!(conn, scope, from, backend, ballot, ConsultationId, UserId).await?);
    contributions.extend(grouped!(conn, scope, from, backend, comment, ConsultationId, AuthorId).await?);
    let supports: Vec<Row> = grouped!(conn, scope, from, backend, support, ProposalId, UserId).await?;
    let proposal_ids: Vec<Uuid> = supports.iter().map(|r| r.1).collect::<HashSet<_>>().into_iter().collect();
    let thread_of: HashMap<Uuid, Uuid> = scope
        .find::<proposal::Entity>()
        .select_only()
        .column(proposal::Column::Id)
        .column(proposal::Column::ConsultationId)
        .filter(proposal::Column::Id.is_in(proposal_ids))
        .into_tuple::<(Uuid, Uuid)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let emails: Vec<(String, i64)> = scope
        .find::<delivery::Entity>()
        .select_only()
        .column_as(common::db::day_of(backend, "sent_at"), "day")
        .column_as(delivery::Column::Id.count(), "n")
        .filter(delivery::Column::SentAt.gte(from))
        .group_by(Expr::cust("day"))
        .into_tuple()
        .all(conn)
        .await?;

    let mut by_day: BTreeMap<NaiveDate, Activity> = BTreeMap::new();
    let mut by_thread: HashMap<Uuid, Activity> = HashMap::new();
    let day = |raw: &str| NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok();
    for (d, thread, person, n) in &contributions {
        if let Some(d) = day(d) {
            let a = by_day.entry(d).or_default();
            a.participants.insert(*person);
            a.contributions += n;
        }
        let a = by_thread.entry(*thread).or_default();
        a.participants.insert(*person);
        a.contributions += n;
    }
    for (d, proposal, person, n) in &supports {
        if let Some(d) = day(d) {
            let a = by_day.entry(d).or_default();
            a.participants.insert(*person);
            a.supports += n;
        }
        if let Some(thread) = thread_of.get(proposal) {
            let a = by_thread.entry(*thread).or_default();
            a.participants.insert(*person);
            a.supports += n;
        }
    }
    for (d, n) in &emails {
        if let Some(d) = day(d) {
            by_day.entry(d).or_default().emails += n;
        }
    }
    let consultations = scope
        .find::<consultation::Entity>()
        .filter(consultation::Column::Id.is_in(by_thread.keys().copied().collect::<Vec<_>>()))
        .all(conn)
        .await?;
    let mut by_consultation: Vec<(consultation::Model, Activity)> = consultations
        .into_iter()
        .map(|c| {
            let a = by_thread.remove(&c.id).unwrap_or_default();
            (c, a)
        })
        .collect();
    by_consultation.sort_by(|a, b| {
        b.1.participants.len().cmp(&a.1.participants.len()).then(b.0.created_at.cmp(&a.0.created_at))
    });
    Ok(Stats { by_day, by_consultation })
}
