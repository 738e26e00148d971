//! Every contribution of one consultation, read for an export: a fixed
//! number of queries whatever its size.
use common::TenantScope;
use entity::{answer, ballot, ballot_item, proposal, response};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::{
    domain::export::{self, ExportProposal, ExportQuestion, Table},
    store::{budgets, names, questionnaires},
};

/// The consultation's contributions as a table, by kind.
pub async fn table(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    consultation: Uuid,
    kind: &str,
) -> Result<Table, DbErr> {
    match kind {
        "questionnaire" => questionnaire(conn, scope, consultation).await,
        "proposals" => proposals(conn, scope, consultation).await,
        _ => ballots(conn, scope, consultation).await,
    }
}

async fn questionnaire(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    consultation: Uuid,
) -> Result<Table, DbErr> {
    let questions: Vec<ExportQuestion> = questionnaires::questions(conn, scope, consultation)
        .await?
        .into_iter()
        .map(|(q, options)| ExportQuestion {
            id: q.id,
            label: q.label,
            options: options.into_iter().map(|o| (o.id, o.label)).collect(),
        })
        .collect();
    let responses = scope
        .find::<response::Entity>()
        .select_only()
        .column(response::Column::Id)
        .column(response::Column::CreatedAt)
        .filter(response::Column::ConsultationId.eq(consultation))
        .order_by_asc(response::Column::CreatedAt)
        .order_by_asc(response::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    let answers = scope
        .find::<answer::Entity>()
        .select_only()
        .column(answer::Column::ResponseId)
        .column(answer::Column::QuestionId)
        .column(answer::Column::OptionId)
        .column(answer::Column::Text)
        .column(answer::Column::Value)
        .filter(answer::Column::QuestionId.is_in(questions.iter().map(|q| q.id).collect::<Vec<_>>()))
        // In the order they were given, which is the order of the options.
        .order_by_asc(answer::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(export::questionnaire(&questions, &responses, &answers))
}

async fn proposals(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    consultation: Uuid,
) -> Result<Table, DbErr> {
    let rows = scope
        .find::<proposal::Entity>()
        .filter(proposal::Column::ConsultationId.eq(consultation))
        .order_by_asc(proposal::Column::CreatedAt)
        .order_by_asc(proposal::Column::Id)
        .all(conn)
        .await?;
    let names = names(conn, scope, rows.iter().map(|p| p.author_id).collect::<Vec<_>>()).await?;
    let rows: Vec<ExportProposal> = rows
        .into_iter()
        .map(|p| ExportProposal {
            author: names
                .iter()
                .find(|(id, _)| *id == p.author_id)
                .map(|(_, n)| n.clone())
                .unwrap_or_default(),
            id: p.id,
            created_at: p.created_at,
            title: p.title,
            body: p.body,
            category: p.category,
            supports: p.support_count,
            status: p.status,
            answer: p.answer,
        })
        .collect();
    Ok(export::proposals(&rows))
}

async fn ballots(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    consultation: Uuid,
) -> Result<Table, DbErr> {
    let projects: Vec<(Uuid, String)> =
        budgets::projects(conn, scope, consultation).await?.into_iter().map(|p| (p.id, p.title)).collect();
    let ballots = scope
        .find::<ballot::Entity>()
        .select_only()
        .column(ballot::Column::Id)
        .column(ballot::Column::CreatedAt)
        .filter(ballot::Column::ConsultationId.eq(consultation))
        .order_by_asc(ballot::Column::CreatedAt)
        .order_by_asc(ballot::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    let items = scope
        .find::<ballot_item::Entity>()
        .select_only()
        .column(ballot_item::Column::BallotId)
        .column(ballot_item::Column::ProjectId)
        .filter(ballot_item::Column::ProjectId.is_in(projects.iter().map(|p| p.0).collect::<Vec<_>>()))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(export::ballots(&projects, &ballots, &items))
}
