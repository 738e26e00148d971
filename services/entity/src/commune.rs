//! A French commune of the official list (COG).
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "communes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub insee_code: String,
    pub name: String,
    #[serde(skip)]
    pub search_name: String,
    pub department: String,
    pub region: String,
    pub siren: Option<String>,
    pub postal_codes: String,
    pub population: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
