//! Comments (one level of replies) with reports and moderation, proposal
//! categories, and the results text a town publishes when a consultation ends.
use sea_orm_migration::{prelude::*, schema::*};

use crate::{
    m20261127_000002_create_tenants::Tenants,
    schema_util::{add_column, cascade, index},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Consultations {
    Table,
    Id,
    Categories,
    ResultsMarkdown,
    ResultsHtml,
    ResultsPublishedAt,
}

#[derive(DeriveIden)]
enum Proposals {
    Table,
    Id,
    Category,
}

#[derive(DeriveIden)]
enum Comments {
    Table,
    Id,
    TenantId,
    ConsultationId,
    ProposalId,
    ParentId,
    AuthorId,
    BodyMarkdown,
    BodyHtml,
    OpenReports,
    HiddenAt,
    HiddenBy,
    ModerationReason,
    CreatedAt,
    EditedAt,
}

#[derive(DeriveIden)]
enum CommentReports {
    Table,
    Id,
    TenantId,
    CommentId,
    ReporterId,
    Reason,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for statement in [
            // A JSON array of the labels citizens may file a proposal under.
            add_column(Consultations::Table, text(Consultations::Categories).default("[]").to_owned()),
            add_column(Consultations::Table, text_null(Consultations::ResultsMarkdown)),
            add_column(Consultations::Table, text_null(Consultations::ResultsHtml)),
            add_column(
                Consultations::Table,
                timestamp_with_time_zone_null(Consultations::ResultsPublishedAt),
            ),
            add_column(Proposals::Table, string_len_null(Proposals::Category, 60)),
        ] {
            manager.alter_table(statement).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Comments::Table)
                    .if_not_exists()
                    .col(pk_uuid(Comments::Id))
                    .col(uuid(Comments::TenantId))
                    .col(uuid(Comments::ConsultationId))
                    // Set when the comment is about one proposal of an idea box.
                    .col(uuid_null(Comments::ProposalId))
                    // Set on replies; a reply's parent is always a top-level comment.
                    .col(uuid_null(Comments::ParentId))
                    // No foreign key: an erased author stays as an anonymous account row.
                    .col(uuid(Comments::AuthorId))
                    .col(text(Comments::BodyMarkdown))
                    .col(text(Comments::BodyHtml))
                    // Reports not yet looked at by a moderator.
                    .col(integer(Comments::OpenReports).default(0))
                    .col(timestamp_with_time_zone_null(Comments::HiddenAt))
                    .col(uuid_null(Comments::HiddenBy))
                    .col(text_null(Comments::ModerationReason))
                    .col(timestamp_with_time_zone(Comments::CreatedAt))
                    .col(timestamp_with_time_zone_null(Comments::EditedAt))
                    .foreign_key(&mut cascade(
                        "fk_comments_tenant",
                        Comments::Table,
                        Comments::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                    ))
                    .foreign_key(&mut cascade(
                        "fk_comments_consultation",
                        Comments::Table,
                        Comments::ConsultationId,
                        Consultations::Table,
                        Consultations::Id,
                    ))
                    .foreign_key(&mut cascade(
                        "fk_comments_proposal",
                        Comments::Table,
                        Comments::ProposalId,
                        Proposals::Table,
                        Proposals::Id,
                    ))
                    .foreign_key(&mut cascade(
                        "fk_comments_parent",
                        Comments::Table,
                        Comments::ParentId,
                        Comments::Table,
                        Comments::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_comments_thread",
                vec![Comments::ConsultationId, Comments::ProposalId, Comments::CreatedAt],
            ),
            ("idx_comments_replies", vec![Comments::ParentId, Comments::CreatedAt]),
            ("idx_comments_reported", vec![Comments::TenantId, Comments::OpenReports]),
        ] {
            manager.create_index(index(name, Comments::Table, cols)).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(CommentReports::Table)
                    .if_not_exists()
                    .col(pk_uuid(CommentReports::Id))
                    .col(uuid(CommentReports::TenantId))
                    .col(uuid(CommentReports::CommentId))
                    .col(uuid(CommentReports::ReporterId))
                    .col(text(CommentReports::Reason))
                    .col(timestamp_with_time_zone(CommentReports::CreatedAt))
                    .foreign_key(&mut cascade(
                        "fk_comment_reports_tenant",
                        CommentReports::Table,
                        CommentReports::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                    ))
                    .foreign_key(&mut cascade(
                        "fk_comment_reports_comment",
                        CommentReports::Table,
                        CommentReports::CommentId,
                        Comments::Table,
                        Comments::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "uq_comment_reports_comment_reporter",
                    CommentReports::Table,
                    [CommentReports::CommentId, CommentReports::ReporterId],
                )
                .unique()
                .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(CommentReports::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Comments::Table).to_owned()).await?;
        for (table, col) in [
            (Consultations::Table.into_iden(), Consultations::Categories.into_iden()),
            (Consultations::Table.into_iden(), Consultations::ResultsMarkdown.into_iden()),
            (Consultations::Table.into_iden(), Consultations::ResultsHtml.into_iden()),
            (Consultations::Table.into_iden(), Consultations::ResultsPublishedAt.into_iden()),
            (Proposals::Table.into_iden(), Proposals::Category.into_iden()),
        ] {
            manager.alter_table(Table::alter().table(table).drop_column(col).to_owned()).await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
