//! Questionnaires: ordered questions with their options, and each citizen's
//! one response with its answers. One response per person is a constraint.
use sea_orm_migration::{prelude::*, schema::*};

use crate::{
    m20261127_000002_create_tenants::Tenants,
    schema_util::{cascade, index},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Questions {
    Table,
    Id,
    TenantId,
    ConsultationId,
    Position,
    Kind,
    Label,
    Required,
    MinValue,
    MaxValue,
    CreatedAt,
}

#[derive(DeriveIden)]
enum QuestionOptions {
    Table,
    Id,
    TenantId,
    QuestionId,
    Position,
    Label,
}

#[derive(DeriveIden)]
enum Responses {
    Table,
    Id,
    TenantId,
    ConsultationId,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Answers {
    Table,
    Id,
    TenantId,
    ResponseId,
    QuestionId,
    OptionId,
    Text,
    Value,
}

fn consultations() -> Alias {
    Alias::new("consultations")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Questions::Table)
                    .if_not_exists()
                    .col(pk_uuid(Questions::Id))
                    .col(uuid(Questions::TenantId))
                    .col(uuid(Questions::ConsultationId))
                    .col(integer(Questions::Position))
                    // `single_choice`, `multiple_choice`, `text` or `scale`.
                    .col(string_len(Questions::Kind, 20))
                    .col(string_len(Questions::Label, 500))
                    .col(boolean(Questions::Required))
                    // Scale: its bounds; multiple choice: how many options; text: max length.
                    .col(integer_null(Questions::MinValue))
                    .col(integer_null(Questions::MaxValue))
                    .col(timestamp_with_time_zone(Questions::CreatedAt))
                    .foreign_key(&mut cascade(
                        "fk_questions_tenant",
                        Questions::Table,
                        Questions::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                    ))
                    .foreign_key(&mut cascade(
                        "fk_questions_consultation",
                        Questions::Table,
                        Questions::ConsultationId,
                        consultations(),
                        Alias::new("id"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_questions_consultation",
                Questions::Table,
                [Questions::ConsultationId, Questions::Position],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(QuestionOptions::Table)
                    .if_not_exists()
                    .col(pk_uuid(QuestionOptions::Id))
                    .col(uuid(QuestionOptions::TenantId))
                    .col(uuid(QuestionOptions::QuestionId))
                    .col(integer(QuestionOptions::Position))
                    .col(string_len(QuestionOptions::Label, 300))
                    .foreign_key(&mut cascade(
                        "fk_question_options_tenant",
                        QuestionOptions::Table,
                        QuestionOptions::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                    ))
                    .foreign_key(&mut cascade(
                        "fk_question_options_question",
                        QuestionOptions::Table,
                        QuestionOptions::QuestionId,
                        Questions::Table,
                        Questions::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_question_options_question",
                QuestionOptions::Table,
                [QuestionOptions::QuestionId],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Responses::Table)
                    .if_not_exists()
                    .col(pk_uuid(Responses::Id))
                    .col(uuid(Responses::TenantId))
                    .col(uuid(Responses::ConsultationId))
                    .col(uuid(Responses::UserId))
                    .col(timestamp_with_time_zone(Responses::CreatedAt))
                    .foreign_key(&mut cascade(
                        "fk_responses_tenant",
                        Responses::Table,
                        Responses::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                    ))
                    .foreign_key(&mut cascade(
                        "fk_responses_consultation",
                        Responses::Table,
                        Responses::ConsultationId,
                        consultations(),
                        Alias::new("id"),
                    ))
                    .to_owned(),
            )
            .await?;
        // One response per citizen and consultation: the database says no to a second.
        manager
            .create_index(
                index(
                    "uq_responses_consultation_user",
                    Responses::Table,
                    [Responses::ConsultationId, Responses::UserId],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Answers::Table)
                    .if_not_exists()
                    .col(pk_uuid(Answers::Id))
                    .col(uuid(Answers::TenantId))
                    .col(uuid(Answers::ResponseId))
                    .col(uuid(Answers::QuestionId))
                    .col(uuid_null(Answers::OptionId))
                    .col(text_null(Answers::Text))
                    .col(integer_null(Answers::Value))
                    .foreign_key(&mut cascade(
                        "fk_answers_tenant",
                        Answers::Table,
                        Answers::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                    ))
                    .foreign_key(&mut cascade(
                        "fk_answers_response",
                        Answers::Table,
                        Answers::ResponseId,
                        Responses::Table,
                        Responses::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, col) in
            [("idx_answers_response", Answers::ResponseId), ("idx_answers_question", Answers::QuestionId)]
        {
            manager.create_index(index(name, Answers::Table, [col])).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Answers::Table.into_iden(),
            Responses::Table.into_iden(),
            QuestionOptions::Table.into_iden(),
            Questions::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
