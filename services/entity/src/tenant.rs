//! A town's participation space.
use sea_orm::entity::prelude::*;

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
