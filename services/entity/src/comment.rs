//! A citizen's comment on a consultation or one of its proposals; replies go one level deep.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "comments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub consultation_id: Uuid,
    pub proposal_id: Option<Uuid>,
    pub parent_id: Option<Uuid>,
    pub author_id: Uuid,
    pub body_markdown: String,
    /// The text rendered and sanitised when saved.
    pub body_html: String,
    /// Reports no moderator has looked at yet.
    pub open_reports: i32,
    pub hidden_at: Option<DateTimeUtc>,
    pub hidden_by: Option<Uuid>,
    /// Shown in place of a hidden comment; kept when it is restored.
    pub moderation_reason: Option<String>,
    /// When a moderator last hid or restored it; earlier reports are settled.
    pub moderated_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub edited_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
