//! A town's team: who holds a staff role.
use chrono::Utc;
use common::{TenantScope, auth::Role};
use entity::{membership, user};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set, sea_query::OnConflict,
};
use uuid::Uuid;

/// Gives `user` the staff `role` in the town, replacing any role they had.
pub async fn set_role(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    user: Uuid,
    role: Role,
) -> Result<(), DbErr> {
    let row = membership::ActiveModel {
        id: Set(Uuid::new_v4()),
        tenant_id: Set(scope.tenant_id()),
        user_id: Set(user),
        role: Set(role.as_str().to_owned()),
        created_at: Set(Utc::now()),
    };
    membership::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([membership::Column::TenantId, membership::Column::UserId])
                .update_column(membership::Column::Role)
                .to_owned(),
        )
        .exec(conn)
        .await
        .map(|_| ())
}

/// The team, with each member's account.
pub async fn list(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
) -> Result<Vec<(membership::Model, user::Model)>, DbErr> {
    let members =
        scope.find::<membership::Entity>().order_by_asc(membership::Column::CreatedAt).all(conn).await?;
    let ids: Vec<Uuid> = members.iter().map(|m| m.user_id).collect();
    let users = scope.find::<user::Entity>().filter(user::Column::Id.is_in(ids)).all(conn).await?;
    Ok(members
        .into_iter()
        .filter_map(|m| {
            let u = users.iter().find(|u| u.id == m.user_id)?.clone();
            Some((m, u))
        })
        .collect())
}
