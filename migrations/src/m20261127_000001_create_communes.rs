use sea_orm_migration::{prelude::*, schema::*};

use crate::{communes, schema_util::index};

/// Rows per INSERT: well under SQLite's bound-parameter limit.
const BATCH: usize = 1_000;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Communes {
    Table,
    InseeCode,
    Name,
    SearchName,
    Department,
    Region,
    Siren,
    PostalCodes,
    Population,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Communes::Table)
                    .if_not_exists()
                    .col(string_len(Communes::InseeCode, 5).primary_key())
                    .col(string(Communes::Name))
                    .col(string(Communes::SearchName))
                    .col(string_len(Communes::Department, 3))
                    .col(string_len(Communes::Region, 3))
                    .col(string_len_null(Communes::Siren, 9))
                    .col(string(Communes::PostalCodes))
                    .col(integer_null(Communes::Population))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_communes_search_name", Communes::Table, [Communes::SearchName]))
            .await?;
        load_communes(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Communes::Table).to_owned()).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

async fn load_communes(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let rows = communes::rows().map_err(DbErr::Migration)?;
    for chunk in rows.chunks(BATCH) {
        let mut insert = Query::insert();
        insert.into_table(Communes::Table).columns([
            Communes::InseeCode,
            Communes::Name,
            Communes::SearchName,
            Communes::Department,
            Communes::Region,
            Communes::Siren,
            Communes::PostalCodes,
            Communes::Population,
        ]);
        for c in chunk {
            insert
                .values([
                    c.insee_code.into(),
                    c.name.into(),
                    communes::search_key(c.name).into(),
                    c.department.into(),
                    c.region.into(),
                    c.siren.map(str::to_owned).into(),
                    c.postal_codes.into(),
                    c.population.into(),
                ])
                .map_err(|e| DbErr::Migration(e.to_string()))?;
        }
        insert.on_conflict(OnConflict::column(Communes::InseeCode).do_nothing().to_owned());
        manager.exec_stmt(insert).await?;
    }
    Ok(())
}
