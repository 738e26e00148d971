use sea_orm_migration::{prelude::*, schema::*};

use crate::{
    m20261127_000002_create_tenants::Tenants,
    schema_util::{cascade, index},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    TenantId,
    Email,
    PasswordHash,
    DisplayName,
    EmailVerifiedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    Id,
    TenantId,
    UserId,
    Role,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .if_not_exists()
                    .col(pk_uuid(Users::Id))
                    // NULL for operators, who belong to no town.
                    .col(uuid_null(Users::TenantId))
                    .col(string(Users::Email))
                    .col(string_null(Users::PasswordHash))
                    .col(string(Users::DisplayName))
                    .col(timestamp_with_time_zone_null(Users::EmailVerifiedAt))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .foreign_key(&mut cascade(
                        "fk_users_tenant",
                        Users::Table,
                        Users::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        // One account per e-mail per town; the same e-mail may hold accounts in two towns.
        manager
            .create_index(
                index("uq_users_tenant_email", Users::Table, [Users::TenantId, Users::Email])
                    .unique()
                    .to_owned(),
            )
            .await?;
        // NULLs are distinct in a unique index, so operators need their own.
        manager
            .create_index(
                index("uq_users_operator_email", Users::Table, [Users::Email])
                    .unique()
                    .and_where(Expr::col(Users::TenantId).is_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Memberships::Table)
                    .if_not_exists()
                    .col(pk_uuid(Memberships::Id))
                    .col(uuid(Memberships::TenantId))
                    .col(uuid(Memberships::UserId))
                    .col(string_len(Memberships::Role, 20))
                    .col(timestamp_with_time_zone(Memberships::CreatedAt))
                    .foreign_key(&mut cascade(
                        "fk_memberships_tenant",
                        Memberships::Table,
                        Memberships::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                    ))
                    .foreign_key(&mut cascade(
                        "fk_memberships_user",
                        Memberships::Table,
                        Memberships::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "uq_memberships_tenant_user",
                    Memberships::Table,
                    [Memberships::TenantId, Memberships::UserId],
                )
                .unique()
                .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Memberships::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Users::Table).to_owned()).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
