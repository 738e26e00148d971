//! Database access of the auth service.
use entity::commune;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::domain::commune_query::CommuneQuery;

/// Communes matching `query`, most populous first.
pub async fn search_communes(
    conn: &impl ConnectionTrait,
    query: &CommuneQuery,
    limit: u64,
) -> Result<Vec<commune::Model>, DbErr> {
    let condition = match query {
        CommuneQuery::Code(code) => Condition::any()
            .add(commune::Column::InseeCode.eq(code.as_str()))
            .add(commune::Column::PostalCodes.contains(code.as_str())),
        CommuneQuery::Insee(code) => Condition::all().add(commune::Column::InseeCode.eq(code.as_ref())),
        CommuneQuery::NamePrefix(key) => Condition::any()
            .add(commune::Column::SearchName.starts_with(key.as_str()))
            .add(commune::Column::SearchName.contains(format!(" {key}"))),
    };
    commune::Entity::find()
        .filter(condition)
        .order_by_desc(commune::Column::Population)
        .order_by_asc(commune::Column::InseeCode)
        .limit(limit)
        .all(conn)
        .await
}

/// The commune with this INSEE code, if it exists.
pub async fn find_commune(conn: &impl ConnectionTrait, code: &str) -> Result<Option<commune::Model>, DbErr> {
    commune::Entity::find_by_id(code.to_owned()).one(conn).await
}

pub mod accounts;
pub mod contributions;
pub mod domains;
pub mod members;
pub mod tokens;
pub mod town_data;
pub mod towns;

/// Rows of `realm` by their town column: one town's, or the platform's (no town).
pub(crate) fn in_realm(realm: crate::domain::realm::Realm, tenant_column: impl ColumnTrait) -> Condition {
    match realm.tenant_id() {
        Some(id) => Condition::all().add(tenant_column.eq(id)),
        None => Condition::all().add(tenant_column.is_null()),
    }
}
