//! A question of a questionnaire, in its place.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "questions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub consultation_id: Uuid,
    pub position: i32,
    /// `single_choice`, `multiple_choice`, `text` or `scale`.
    pub kind: String,
    pub label: String,
    pub required: bool,
    /// Scale: its bounds; multiple choice: how many options may be picked; text: its length.
    pub min_value: Option<i32>,
    pub max_value: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
