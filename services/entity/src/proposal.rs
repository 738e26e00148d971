//! A citizen's proposal in an idea box, with the town's answer.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proposals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub consultation_id: Uuid,
    pub author_id: Uuid,
    pub title: String,
    pub body: String,
    /// One of the consultation's categories, if the author chose one.
    pub category: Option<String>,
    /// `submitted`, `under_review`, `accepted`, `rejected` or `implemented`.
    pub status: String,
    pub answer: Option<String>,
    pub answered_at: Option<DateTimeUtc>,
    /// Kept in step with `supports` in the same transaction.
    pub support_count: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
