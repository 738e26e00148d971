use sea_orm_migration::{prelude::*, schema::*};

use crate::{
    m20261127_000002_create_tenants::Tenants,
    schema_util::{cascade, index},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// One-time tokens sent by e-mail; only their SHA-256 is kept.
#[derive(DeriveIden)]
enum OneTimeTokens {
    Table,
    Id,
    TenantId,
    UserId,
    Purpose,
    TokenHash,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

/// Refresh tokens: opaque, hashed, one family per login; reusing a spent one
/// revokes its family.
#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    TenantId,
    UserId,
    FamilyId,
    TokenHash,
    ExpiresAt,
    UsedAt,
    RevokedAt,
    CreatedAt,
}

fn users() -> Alias {
    Alias::new("users")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OneTimeTokens::Table)
                    .if_not_exists()
                    .col(pk_uuid(OneTimeTokens::Id))
                    .col(uuid_null(OneTimeTokens::TenantId))
                    .col(uuid_null(OneTimeTokens::UserId))
                    .col(string_len(OneTimeTokens::Purpose, 20))
                    .col(string_len_uniq(OneTimeTokens::TokenHash, 64))
                    .col(timestamp_with_time_zone(OneTimeTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(OneTimeTokens::UsedAt))
                    .col(timestamp_with_time_zone(OneTimeTokens::CreatedAt))
                    .foreign_key(&mut cascade(
                        "fk_one_time_tokens_tenant",
                        OneTimeTokens::Table,
                        OneTimeTokens::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                    ))
                    .foreign_key(&mut cascade(
                        "fk_one_time_tokens_user",
                        OneTimeTokens::Table,
                        OneTimeTokens::UserId,
                        users(),
                        Alias::new("id"),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_one_time_tokens_tenant", OneTimeTokens::TenantId),
            ("idx_one_time_tokens_user", OneTimeTokens::UserId),
        ] {
            manager.create_index(index(name, OneTimeTokens::Table, [col]).to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(RefreshTokens::Table)
                    .if_not_exists()
                    .col(pk_uuid(RefreshTokens::Id))
                    .col(uuid_null(RefreshTokens::TenantId))
                    .col(uuid(RefreshTokens::UserId))
                    .col(uuid(RefreshTokens::FamilyId))
                    .col(string_len_uniq(RefreshTokens::TokenHash, 64))
                    .col(timestamp_with_time_zone(RefreshTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(RefreshTokens::UsedAt))
                    .col(timestamp_with_time_zone_null(RefreshTokens::RevokedAt))
                    .col(timestamp_with_time_zone(RefreshTokens::CreatedAt))
                    .foreign_key(&mut cascade(
                        "fk_refresh_tokens_tenant",
                        RefreshTokens::Table,
                        RefreshTokens::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                    ))
                    .foreign_key(&mut cascade(
                        "fk_refresh_tokens_user",
                        RefreshTokens::Table,
                        RefreshTokens::UserId,
                        users(),
                        Alias::new("id"),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_refresh_tokens_family", RefreshTokens::FamilyId),
            ("idx_refresh_tokens_tenant", RefreshTokens::TenantId),
            ("idx_refresh_tokens_user", RefreshTokens::UserId),
        ] {
            manager.create_index(index(name, RefreshTokens::Table, [col]).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(RefreshTokens::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(OneTimeTokens::Table).to_owned()).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
