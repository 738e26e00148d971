//! Subscriptions without an account: requested, confirmed by the mailed link, ended.
use chrono::{DateTime, Utc};
use common::TenantScope;
use entity::{mail_suppression, subscription};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
    sea_query::{Expr, OnConflict},
};
use uuid::Uuid;

use crate::topics::{ALL, Topic};

/// The consent as given: where, in which words, from which address.
#[derive(Debug, Clone)]
pub struct Consent<'a> {
    pub page: &'a str,
    pub wording: &'a str,
    pub ip: Option<String>,
    /// The language the address will read its mails in.
    pub language: &'a str,
}

/// Whether a request must be confirmed by mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requested {
    /// A new or renewed request waiting for its link.
    Pending,
    /// The address is subscribed already: nothing to send.
    AlreadyConfirmed,
}

/// Records a request for `email` (or renews a pending or ended one) with the
/// hash of its link's token; a confirmed subscription is left as it is.
pub async fn request(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    email: &str,
    consent: &Consent<'_>,
    token_hash: &str,
    expires_at: DateTime<Utc>,
) -> Result<Requested, DbErr> {
    let existing =
        scope.find::<subscription::Entity>().filter(subscription::Column::Email.eq(email)).one(conn).await?;
    let now = Utc::now();
    match existing {
        Some(s) if s.status == "confirmed" => Ok(Requested::AlreadyConfirmed),
        Some(s) => {
            subscription::Entity::update_many()
                .col_expr(subscription::Column::Status, Expr::value("pending"))
                .col_expr(subscription::Column::ConfirmTokenHash, Expr::value(token_hash))
                .col_expr(subscription::Column::ConfirmExpiresAt, Expr::value(expires_at))
                .col_expr(subscription::Column::ConsentAt, Expr::value(now))
                .col_expr(subscription::Column::ConsentPage, Expr::value(consent.page))
                .col_expr(subscription::Column::ConsentWording, Expr::value(consent.wording))
                .col_expr(subscription::Column::ConsentIp, Expr::value(consent.ip.clone()))
                .col_expr(subscription::Column::Language, Expr::value(consent.language))
                .col_expr(subscription::Column::UpdatedAt, Expr::value(now))
                .filter(subscription::Column::TenantId.eq(scope.tenant_id()))
                .filter(subscription::Column::Id.eq(s.id))
                .exec(conn)
                .await?;
            Ok(Requested::Pending)
        }
        None => {
            let row = subscription::ActiveModel {
                id: Set(Uuid::now_v7()),
                tenant_id: Set(scope.tenant_id()),
                email: Set(email.to_owned()),
                status: Set("pending".into()),
                confirm_token_hash: Set(Some(token_hash.to_owned())),
                confirm_expires_at: Set(Some(expires_at)),
                consent_at: Set(now),
                consent_page: Set(consent.page.to_owned()),
                consent_wording: Set(consent.wording.to_owned()),
                consent_ip: Set(consent.ip.clone()),
                confirmed_at: Set(None),
                unsubscribed_at: Set(None),
                language: Set(consent.language.to_owned()),
                created_at: Set(now),
                updated_at: Set(now),
            };
            // Two requests at once: the second one's insert changes nothing.
            subscription::Entity::insert(row)
                .on_conflict(
                    OnConflict::columns([subscription::Column::TenantId, subscription::Column::Email])
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(conn)
                .await?;
            Ok(Requested::Pending)
        }
    }
}

/// Confirms the pending request whose link's token hashes to `token_hash`,
/// if it has not expired; its address hears of new consultations again.
pub async fn confirm(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<subscription::Model>, DbErr> {
    let rows = subscription::Entity::update_many()
        .col_expr(subscription::Column::Status, Expr::value("confirmed"))
        .col_expr(subscription::Column::ConfirmedAt, Expr::value(now))
        .col_expr(subscription::Column::ConfirmTokenHash, Expr::value(Option::<String>::None))
        .col_expr(subscription::Column::UpdatedAt, Expr::value(now))
        .filter(subscription::Column::TenantId.eq(scope.tenant_id()))
        .filter(subscription::Column::ConfirmTokenHash.eq(token_hash))
        .filter(subscription::Column::Status.eq("pending"))
        .filter(subscription::Column::ConfirmExpiresAt.gt(now))
        .exec_with_returning(conn)
        .await?;
    let Some(confirmed) = rows.into_iter().next() else { return Ok(None) };
    // A fresh consent lifts an earlier "no more news".
    mail_suppression::Entity::delete_many()
        .filter(mail_suppression::Column::TenantId.eq(scope.tenant_id()))
        .filter(mail_suppression::Column::Email.eq(&confirmed.email))
        .filter(mail_suppression::Column::Topic.is_in([Topic::NewConsultations.as_str(), ALL]))
        .exec(conn)
        .await?;
    Ok(Some(confirmed))
}

/// Records that `email` wants no more `topic` (or nothing at all, `None`)
/// from the town; "nothing at all" also ends the subscription.
pub async fn unsubscribe(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    email: &str,
    topic: Option<Topic>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let row = mail_suppression::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.tenant_id()),
        email: Set(email.to_owned()),
        topic: Set(topic.map_or(ALL, Topic::as_str).to_owned()),
        created_at: Set(now),
    };
    mail_suppression::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                mail_suppression::Column::TenantId,
                mail_suppression::Column::Email,
                mail_suppression::Column::Topic,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    if topic.is_none() {
        subscription::Entity::update_many()
            .col_expr(subscription::Column::Status, Expr::value("unsubscribed"))
            .col_expr(subscription::Column::UnsubscribedAt, Expr::value(now))
            .col_expr(subscription::Column::UpdatedAt, Expr::value(now))
            .filter(subscription::Column::TenantId.eq(scope.tenant_id()))
            .filter(subscription::Column::Email.eq(email))
            .filter(subscription::Column::Status.eq("confirmed"))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Forgets the requests whose link expired unconfirmed, in every town: an
/// address nobody confirmed is not kept. Returns how many.
pub async fn forget_unconfirmed(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(subscription::Entity::delete_many()
        .filter(subscription::Column::Status.eq("pending"))
        .filter(subscription::Column::ConfirmExpiresAt.lt(now))
        .exec(conn)
        .await?
        .rows_affected)
}
