//! Accounts of a realm: found by e-mail, created, verified.
use chrono::Utc;
use common::{auth::Role, domain::Email};
use entity::{membership, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Select, Set};
use uuid::Uuid;

use super::in_realm;
use crate::domain::{display_name::DisplayName, realm::Realm};

/// Accounts of `realm` only: a town's through its scope, operators by their NULL town.
fn users_of(realm: Realm) -> Select<user::Entity> {
    match realm {
        Realm::Town(scope) => scope.find::<user::Entity>(),
        Realm::Platform => user::Entity::find().filter(user::Column::TenantId.is_null()),
    }
}

/// The account of `email` in `realm`.
pub async fn by_email(
    conn: &impl ConnectionTrait,
    realm: Realm,
    email: &Email,
) -> Result<Option<user::Model>, DbErr> {
    users_of(realm).filter(user::Column::Email.eq(email.as_ref())).one(conn).await
}

/// The account `id` in `realm`.
pub async fn by_id(
    conn: &impl ConnectionTrait,
    realm: Realm,
    id: Uuid,
) -> Result<Option<user::Model>, DbErr> {
    users_of(realm).filter(user::Column::Id.eq(id)).one(conn).await
}

/// A new account; a unique violation means the e-mail has one already.
pub async fn create(
    conn: &impl ConnectionTrait,
    realm: Realm,
    email: &Email,
    password_hash: Option<String>,
    display_name: &str,
) -> Result<user::Model, DbErr> {
    let now = Utc::now();
    user::ActiveModel {
        id: Set(Uuid::new_v4()),
        tenant_id: Set(realm.tenant_id()),
        email: Set(email.as_ref().to_owned()),
        password_hash: Set(password_hash),
        display_name: Set(display_name.to_owned()),
        email_verified_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
}

/// Notes that the account's holder proved the address is theirs.
pub async fn mark_verified(conn: &impl ConnectionTrait, realm: Realm, id: Uuid) -> Result<(), DbErr> {
    let now = Utc::now();
    user::Entity::update_many()
        .col_expr(user::Column::EmailVerifiedAt, now.into())
        .col_expr(user::Column::UpdatedAt, now.into())
        .filter(user::Column::Id.eq(id))
        .filter(user::Column::EmailVerifiedAt.is_null())
        .filter(in_realm(realm, user::Column::TenantId))
        .exec(conn)
        .await
        .map(|_| ())
}

/// The role `user` holds where it belongs.
pub async fn role_of(conn: &impl ConnectionTrait, realm: Realm, user: &user::Model) -> Result<Role, DbErr> {
    let Realm::Town(scope) = realm else { return Ok(Role::Operator) };
    let staff =
        scope.find::<membership::Entity>().filter(membership::Column::UserId.eq(user.id)).one(conn).await?;
    Ok(staff.and_then(|m| Role::parse(&m.role)).filter(|r| r.is_staff()).unwrap_or(Role::Citizen))
}

/// Replaces the password hash of account `id`.
pub async fn set_password(
    conn: &impl ConnectionTrait,
    realm: Realm,
    id: Uuid,
    hash: String,
) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Some(hash).into())
        .col_expr(user::Column::UpdatedAt, Utc::now().into())
        .filter(user::Column::Id.eq(id))
        .filter(in_realm(realm, user::Column::TenantId))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Changes the name shown with the account's contributions.
pub async fn set_display_name(
    conn: &impl ConnectionTrait,
    realm: Realm,
    id: Uuid,
    name: &DisplayName,
) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::DisplayName, name.as_ref().into())
        .col_expr(user::Column::UpdatedAt, Utc::now().into())
        .filter(user::Column::Id.eq(id))
        .filter(in_realm(realm, user::Column::TenantId))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Replaces the account's personal data: no address, no name, no password,
/// no staff role; the row stays so that contributions keep their author id.
pub async fn anonymise(conn: &impl ConnectionTrait, realm: Realm, id: Uuid) -> Result<(), DbErr> {
    if let Realm::Town(scope) = realm {
        membership::Entity::delete_many()
            .filter(membership::Column::TenantId.eq(scope.tenant_id()))
            .filter(membership::Column::UserId.eq(id))
            .exec(conn)
            .await?;
    }
    user::Entity::update_many()
        .col_expr(user::Column::Email, format!("erased-{}@invalid", id.simple()).into())
        .col_expr(user::Column::DisplayName, "Participant·e".into())
        .col_expr(user::Column::PasswordHash, Option::<String>::None.into())
        .col_expr(user::Column::EmailVerifiedAt, Option::<chrono::DateTime<Utc>>::None.into())
        .col_expr(user::Column::UpdatedAt, Utc::now().into())
        .filter(user::Column::Id.eq(id))
        .filter(in_realm(realm, user::Column::TenantId))
        .exec(conn)
        .await
        .map(|_| ())
}
