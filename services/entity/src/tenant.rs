//! A town's participation space.
use sea_orm::{Set, entity::prelude::*};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub slug: String,
    pub insee_code: String,
    pub name: String,
    /// `pending_email`, `pending_review`, `active`, `suspended` or `rejected`.
    pub status: String,
    pub contact_email: String,
    pub contact_name: String,
    pub time_zone: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Access tokens issued before this are refused (set on suspension).
    pub tokens_valid_after: Option<DateTimeUtc>,
    pub rejection_reason: Option<String>,
    /// News mails the town may send per calendar month (UTC); none: no ceiling.
    pub monthly_mail_quota: Option<i32>,
    /// The town's logo in its mails: an https address.
    pub logo_url: Option<String>,
    /// The town's colour in its mails: `#rrggbb`.
    pub brand_color: Option<String>,
    /// The address the town's pages give for questions.
    pub public_email: Option<String>,
    /// Markdown; none: the platform's default text.
    #[sea_orm(column_type = "Text", nullable)]
    pub legal_notice: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub privacy_notice: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub accessibility_statement: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::tenant_domain::Entity")]
    TenantDomain,
}

impl Related<super::tenant_domain::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::TenantDomain.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

/// What identifies a new town; the rest gets defaults.
#[derive(Debug, Clone, Copy)]
pub struct NewTown<'a> {
    pub slug: &'a str,
    pub insee_code: &'a str,
    pub name: &'a str,
    pub status: &'a str,
    pub contact_email: &'a str,
    pub contact_name: &'a str,
}

impl ActiveModel {
    /// A new town row: fresh id, Europe/Paris time zone, created now.
    pub fn new_town(town: NewTown<'_>) -> Self {
        let now = chrono::Utc::now();
        ActiveModel {
            id: Set(Uuid::new_v4()),
            slug: Set(town.slug.to_owned()),
            insee_code: Set(town.insee_code.to_owned()),
            name: Set(town.name.to_owned()),
            status: Set(town.status.to_owned()),
            contact_email: Set(town.contact_email.to_owned()),
            contact_name: Set(town.contact_name.to_owned()),
            time_zone: Set("Europe/Paris".to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            tokens_valid_after: Set(None),
            rejection_reason: Set(None),
            monthly_mail_quota: Set(None),
            logo_url: Set(None),
            brand_color: Set(None),
            public_email: Set(None),
            legal_notice: Set(None),
            privacy_notice: Set(None),
            accessibility_statement: Set(None),
        }
    }
}
