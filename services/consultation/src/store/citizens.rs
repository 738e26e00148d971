//! The citizens who may take part: accounts of the town whose address is verified.
use common::TenantScope;
use entity::user;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, QueryFilter};
use uuid::Uuid;

/// `user`'s account in this town if its address is verified.
pub async fn verified_account(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    user: Uuid,
) -> Result<Option<user::Model>, DbErr> {
    scope
        .find::<user::Entity>()
        .filter(user::Column::Id.eq(user))
        .filter(user::Column::EmailVerifiedAt.is_not_null())
        .one(conn)
        .await
}
