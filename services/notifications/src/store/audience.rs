//! Who receives a town's news: confirmed subscribers and citizens, as their
//! preferences and unsubscribes say, read a batch at a time in address order.
use std::collections::HashSet;

use common::TenantScope;
use entity::{mail_suppression, notification_preference, subscription, user};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait, Func, Query, SelectStatement},
};
use uuid::Uuid;

use crate::topics::{ALL, Preferences, Timing, Topic};

/// Addresses of the town that asked to stop `topic` (or everything).
fn suppressed(tenant: Uuid, topic: Topic) -> SelectStatement {
    Query::select()
        .column(mail_suppression::Column::Email)
        .from(mail_suppression::Entity)
        .and_where(mail_suppression::Column::TenantId.eq(tenant))
        .and_where(mail_suppression::Column::Topic.is_in([topic.as_str(), ALL]))
        .to_owned()
}

/// The preference column of `topic`, for the topics a citizen chooses.
fn preference_column(topic: Topic) -> Option<notification_preference::Column> {
    match topic {
        Topic::NewConsultations => Some(notification_preference::Column::NewConsultations),
        Topic::Results => Some(notification_preference::Column::Results),
        Topic::Replies => Some(notification_preference::Column::Replies),
        Topic::ProposalAnswers => Some(notification_preference::Column::ProposalAnswers),
        Topic::Announcements | Topic::Digest => None,
    }
}

/// Whom a consultation-wide mail is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Took {
    /// Whether or not they took part.
    Anyone,
    /// Only those who took part in the consultation (results).
    Part(Uuid),
    /// Only those who have not (a reminder before it closes).
    NoPart(Uuid),
}

/// The next `n` addresses after `after` of the town's citizens who want
/// `topic` with `timing` (their choice, or the default), not unsubscribed,
/// and who took part, or not, in a consultation as `took` says.
pub async fn citizens_after(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    topic: Topic,
    timing: Timing,
    took: Took,
    after: &str,
    n: u64,
) -> Result<Vec<String>, DbErr> {
    let mut query = Query::select();
    query
        .column((user::Entity, user::Column::Email))
        .from(user::Entity)
        .left_join(
            notification_preference::Entity,
            Expr::col((notification_preference::Entity, notification_preference::Column::UserId))
                .equals((user::Entity, user::Column::Id)),
        )
        .and_where(Expr::col((user::Entity, user::Column::TenantId)).eq(tenant))
        .and_where(Expr::col((user::Entity, user::Column::EmailVerifiedAt)).is_not_null())
        .and_where(Expr::col((user::Entity, user::Column::Email)).gt(after))
        .and_where(Expr::col((user::Entity, user::Column::Email)).not_in_subquery(suppressed(tenant, topic)));
    match took {
        Took::Anyone => {}
        Took::NoPart(consultation) => {
            for took_part in
                common::participation::subqueries(TenantScope::for_operator_action(tenant), consultation)
            {
                query.and_where(Expr::col((user::Entity, user::Column::Id)).not_in_subquery(took_part));
            }
        }
        Took::Part(consultation) => {
            let mut any = Condition::any();
            for took_part in
                common::participation::subqueries(TenantScope::for_operator_action(tenant), consultation)
            {
                any = any.add(Expr::col((user::Entity, user::Column::Id)).in_subquery(took_part));
            }
            query.cond_where(any);
        }
    }
    if let Some(column) = preference_column(topic) {
        let default = Preferences::default().timing(topic).as_str();
        let chosen =
            Func::coalesce([Expr::col((notification_preference::Entity, column)), Expr::val(default)]);
        query.and_where(Expr::expr(chosen).eq(timing.as_str()));
    } else if timing != Timing::Immediate {
        return Ok(Vec::new());
    } else if topic == Topic::Digest {
        // A digest is for those who put something in it.
        let mut some_weekly = Condition::any();
        for t in [Topic::NewConsultations, Topic::Results, Topic::Replies, Topic::ProposalAnswers] {
            if let Some(column) = preference_column(t) {
                let default = Preferences::default().timing(t).as_str();
                let chosen = Func::coalesce([
                    Expr::col((notification_preference::Entity, column)),
                    Expr::val(default),
                ]);
                some_weekly = some_weekly.add(Expr::expr(chosen).eq(Timing::Weekly.as_str()));
            }
        }
        query.cond_where(some_weekly);
    }
    query.order_by((user::Entity, user::Column::Email), sea_orm::Order::Asc).limit(n);
    emails(conn, &query).await
}

/// The next `n` addresses after `after` of confirmed subscribers without a
/// verified account here (an account's preferences speak for it), not unsubscribed.
pub async fn subscribers_after(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    topic: Topic,
    after: &str,
    n: u64,
) -> Result<Vec<String>, DbErr> {
    let accounts = Query::select()
        .column(user::Column::Email)
        .from(user::Entity)
        .and_where(user::Column::TenantId.eq(tenant))
        .and_where(user::Column::EmailVerifiedAt.is_not_null())
        .to_owned();
    let query = Query::select()
        .column(subscription::Column::Email)
        .from(subscription::Entity)
        .and_where(subscription::Column::TenantId.eq(tenant))
        .and_where(subscription::Column::Status.eq("confirmed"))
        .and_where(subscription::Column::Email.gt(after))
        .and_where(subscription::Column::Email.not_in_subquery(accounts))
        .and_where(subscription::Column::Email.not_in_subquery(suppressed(tenant, topic)))
        .order_by(subscription::Column::Email, sea_orm::Order::Asc)
        .limit(n)
        .to_owned();
    emails(conn, &query).await
}

async fn emails(conn: &impl ConnectionTrait, query: &SelectStatement) -> Result<Vec<String>, DbErr> {
    let rows = conn.query_all(query).await?;
    rows.iter().map(|r| r.try_get_by_index::<String>(0)).collect()
}

/// Of `recipients`, those who want `topic` now: not unsubscribed, and, for a
/// verified citizen of the town, with `immediate` chosen. Three queries.
pub async fn wanting_now(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    topic: Topic,
    recipients: &[String],
) -> Result<Vec<String>, DbErr> {
    let stopped = unsubscribed(conn, tenant, topic, recipients).await?;
    let citizens: Vec<(Uuid, String)> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Email)
        .filter(user::Column::TenantId.eq(tenant))
        .filter(user::Column::EmailVerifiedAt.is_not_null())
        .filter(user::Column::Email.is_in(recipients.to_vec()))
        .into_tuple()
        .all(conn)
        .await?;
    let choices = notification_preference::Entity::find()
        .filter(
            notification_preference::Column::UserId
                .is_in(citizens.iter().map(|(id, _)| *id).collect::<Vec<_>>()),
        )
        .all(conn)
        .await?;
    let later: HashSet<&str> = citizens
        .iter()
        .filter(|(id, _)| {
            let prefs = choices.iter().find(|p| p.user_id == *id).map(Preferences::of).unwrap_or_default();
            prefs.timing(topic) != Timing::Immediate
        })
        .map(|(_, email)| email.as_str())
        .collect();
    Ok(recipients.iter().filter(|r| !stopped.contains(*r) && !later.contains(r.as_str())).cloned().collect())
}

/// Of `recipients`, those who read their mails in English: a citizen's
/// choice, or a subscriber's browser language. Two queries.
pub async fn english_readers(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    recipients: &[String],
) -> Result<HashSet<String>, DbErr> {
    let mut english: HashSet<String> = subscription::Entity::find()
        .select_only()
        .column(subscription::Column::Email)
        .filter(subscription::Column::TenantId.eq(tenant))
        .filter(subscription::Column::Language.eq("en"))
        .filter(subscription::Column::Email.is_in(recipients.to_vec()))
        .into_tuple()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let mut query = Query::select();
    query
        .column((user::Entity, user::Column::Email))
        .column((notification_preference::Entity, notification_preference::Column::Language))
        .from(user::Entity)
        .inner_join(
            notification_preference::Entity,
            Expr::col((notification_preference::Entity, notification_preference::Column::UserId))
                .equals((user::Entity, user::Column::Id)),
        )
        .and_where(Expr::col((user::Entity, user::Column::TenantId)).eq(tenant))
        .and_where(Expr::col((user::Entity, user::Column::Email)).is_in(recipients.to_vec()));
    // A citizen's own choice outranks the language they subscribed in.
    for row in conn.query_all(&query).await? {
        let email: String = row.try_get_by_index(0)?;
        let language: String = row.try_get_by_index(1)?;
        if language == "en" {
            english.insert(email);
        } else {
            english.remove(&email);
        }
    }
    Ok(english)
}

/// Of `recipients`, those who asked the town to stop `topic` or everything: one query.
pub async fn unsubscribed(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    topic: Topic,
    recipients: &[String],
) -> Result<HashSet<String>, DbErr> {
    Ok(mail_suppression::Entity::find()
        .select_only()
        .column(mail_suppression::Column::Email)
        .filter(mail_suppression::Column::TenantId.eq(tenant))
        .filter(mail_suppression::Column::Topic.is_in([topic.as_str(), ALL]))
        .filter(mail_suppression::Column::Email.is_in(recipients.to_vec()))
        .into_tuple()
        .all(conn)
        .await?
        .into_iter()
        .collect())
}
