//! A consultation a town runs: a questionnaire, an idea box or a participatory budget.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consultations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    /// `questionnaire`, `proposals` or `budget`.
    pub kind: String,
    /// `draft`, `published`, `closed` or `archived`.
    pub status: String,
    pub title: String,
    pub summary: String,
    pub body_markdown: String,
    /// The Markdown rendered and sanitised when saved.
    pub body_html: String,
    /// `public` or `registered`.
    pub audience: String,
    pub opens_at: Option<DateTimeUtc>,
    pub closes_at: Option<DateTimeUtc>,
    pub budget_cents: Option<i64>,
    pub published_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub created_by: Option<Uuid>,
    /// A JSON array of the labels proposals may be filed under.
    pub categories: String,
    pub results_markdown: Option<String>,
    /// The published results text, rendered and sanitised.
    pub results_html: Option<String>,
    pub results_published_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
