//! One-time tokens and refresh tokens, stored as hashes and spent in one
//! statement, so that two requests racing with one token cannot both win.
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use common::auth::one_time::{self, NewOneTime, Purpose, token_hash};
use entity::{one_time_token, refresh_token};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::in_realm;
use crate::domain::realm::Realm;

/// Life of a refresh token (and so of a session left idle).
pub const REFRESH_TTL: Duration = Duration::days(30);

/// Records a one-time token for `user` and returns its id; the mail worker
/// derives the token itself from the id.
pub async fn issue_one_time(
    conn: &impl ConnectionTrait,
    realm: Realm,
    user: Option<Uuid>,
    purpose: Purpose,
    ttl: Duration,
    key: &common::signing::SigningKey,
) -> Result<Uuid, DbErr> {
    let new = NewOneTime { tenant_id: realm.tenant_id(), user_id: user, purpose, ttl, invitee: None };
    one_time::issue(conn, key, new).await
}

/// Spends `token` if it is a live one of `purpose` in `realm`, returning its row.
pub async fn consume_one_time(
    conn: &impl ConnectionTrait,
    realm: Realm,
    token: &str,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<Option<one_time_token::Model>, DbErr> {
    let spent = one_time_token::Entity::update_many()
        .col_expr(one_time_token::Column::UsedAt, now.into())
        .filter(one_time_token::Column::TokenHash.eq(token_hash(token)))
        .filter(one_time_token::Column::Purpose.eq(purpose.as_str()))
        .filter(one_time_token::Column::UsedAt.is_null())
        .filter(one_time_token::Column::ExpiresAt.gt(now))
        .filter(in_realm(realm, one_time_token::Column::TenantId))
        .exec_with_returning(conn)
        .await?;
    Ok(spent.into_iter().next())
}

/// A new refresh token of `family` for `user`; returns the token itself.
pub async fn issue_refresh(
    conn: &impl ConnectionTrait,
    realm: Realm,
    user: Uuid,
    family: Uuid,
) -> Result<String, DbErr> {
    let token = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let now = Utc::now();
    refresh_token::ActiveModel {
        id: Set(Uuid::new_v4()),
        tenant_id: Set(realm.tenant_id()),
        user_id: Set(user),
        family_id: Set(family),
        token_hash: Set(token_hash(&token)),
        expires_at: Set(now + REFRESH_TTL),
        used_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(token)
}

/// What presenting a refresh token came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Refresh {
    /// Spent now; its family may get the next token.
    Rotated(refresh_token::Model),
    /// Spent before or revoked: someone holds a copy, so the family is revoked.
    Reused,
    /// Not a token of this realm, or expired.
    Invalid,
}

/// Spends `token`, or revokes its whole family if it was spent already.
pub async fn rotate_refresh(
    conn: &impl ConnectionTrait,
    realm: Realm,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Refresh, DbErr> {
    let hash = token_hash(token);
    let spent = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, now.into())
        .filter(refresh_token::Column::TokenHash.eq(&hash))
        .filter(refresh_token::Column::UsedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .filter(refresh_token::Column::ExpiresAt.gt(now))
        .filter(in_realm(realm, refresh_token::Column::TenantId))
        .exec_with_returning(conn)
        .await?;
    if let Some(row) = spent.into_iter().next() {
        return Ok(Refresh::Rotated(row));
    }
    let known = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(&hash))
        .filter(in_realm(realm, refresh_token::Column::TenantId))
        .one(conn)
        .await?;
    match known {
        Some(row) if row.expires_at > now => {
            revoke_family(conn, realm, row.family_id, now).await?;
            Ok(Refresh::Reused)
        }
        _ => Ok(Refresh::Invalid),
    }
}

/// Revokes every token of `family`.
pub async fn revoke_family(
    conn: &impl ConnectionTrait,
    realm: Realm,
    family: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, now.into())
        .filter(refresh_token::Column::FamilyId.eq(family))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .filter(in_realm(realm, refresh_token::Column::TenantId))
        .exec(conn)
        .await
        .map(|_| ())
}

/// The family of `token`, if it is one of `realm`'s.
pub async fn family_of(
    conn: &impl ConnectionTrait,
    realm: Realm,
    token: &str,
) -> Result<Option<Uuid>, DbErr> {
    Ok(refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(token_hash(token)))
        .filter(in_realm(realm, refresh_token::Column::TenantId))
        .one(conn)
        .await?
        .map(|row| row.family_id))
}

/// Revokes every refresh token of `user`: all their sessions end.
pub async fn revoke_user(
    conn: &impl ConnectionTrait,
    realm: Realm,
    user: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, now.into())
        .filter(refresh_token::Column::UserId.eq(user))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .filter(in_realm(realm, refresh_token::Column::TenantId))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Spends a town request's confirmation token (platform host; the row names the town).
pub async fn consume_signup(
    conn: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<one_time_token::Model>, DbErr> {
    let spent = one_time_token::Entity::update_many()
        .col_expr(one_time_token::Column::UsedAt, now.into())
        .filter(one_time_token::Column::TokenHash.eq(token_hash(token)))
        .filter(one_time_token::Column::Purpose.eq(Purpose::SignupVerify.as_str()))
        .filter(one_time_token::Column::UsedAt.is_null())
        .filter(one_time_token::Column::ExpiresAt.gt(now))
        .exec_with_returning(conn)
        .await?;
    Ok(spent.into_iter().next())
}

/// Revokes every refresh token of the town: all its sessions end.
pub async fn revoke_town(conn: &impl ConnectionTrait, realm: Realm, now: DateTime<Utc>) -> Result<(), DbErr> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, now.into())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .filter(in_realm(realm, refresh_token::Column::TenantId))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Deletes every one-time token of `user` (erasure).
pub async fn delete_one_time_of(conn: &impl ConnectionTrait, realm: Realm, user: Uuid) -> Result<(), DbErr> {
    one_time_token::Entity::delete_many()
        .filter(one_time_token::Column::UserId.eq(user))
        .filter(in_realm(realm, one_time_token::Column::TenantId))
        .exec(conn)
        .await
        .map(|_| ())
}
