use sea_orm_migration::{prelude::*, schema::*};

use crate::{
    m20261127_000001_create_communes::Communes,
    schema_util::{cascade, index},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Tenants {
    Table,
    Id,
    Slug,
    InseeCode,
    Name,
    Status,
    ContactEmail,
    ContactName,
    TimeZone,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TenantDomains {
    Table,
    Id,
    TenantId,
    Domain,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Tenants::Table)
                    .if_not_exists()
                    .col(pk_uuid(Tenants::Id))
                    .col(string_len_uniq(Tenants::Slug, 40))
                    .col(string_len(Tenants::InseeCode, 5))
                    .col(string(Tenants::Name))
                    .col(string_len(Tenants::Status, 20))
                    .col(string(Tenants::ContactEmail))
                    .col(string(Tenants::ContactName))
                    .col(string_len(Tenants::TimeZone, 64).default("Europe/Paris"))
                    .col(timestamp_with_time_zone(Tenants::CreatedAt))
                    .col(timestamp_with_time_zone(Tenants::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_tenants_commune")
                            .from(Tenants::Table, Tenants::InseeCode)
                            .to(Communes::Table, Communes::InseeCode),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in
            [("idx_tenants_insee_code", Tenants::InseeCode), ("idx_tenants_status", Tenants::Status)]
        {
            manager.create_index(index(name, Tenants::Table, [col])).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(TenantDomains::Table)
                    .if_not_exists()
                    .col(pk_uuid(TenantDomains::Id))
                    .col(uuid(TenantDomains::TenantId))
                    .col(string_len_uniq(TenantDomains::Domain, 253))
                    .col(timestamp_with_time_zone(TenantDomains::CreatedAt))
                    .foreign_key(&mut cascade(
                        "fk_tenant_domains_tenant",
                        TenantDomains::Table,
                        TenantDomains::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_tenant_domains_tenant", TenantDomains::Table, [TenantDomains::TenantId]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(TenantDomains::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Tenants::Table).to_owned()).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
