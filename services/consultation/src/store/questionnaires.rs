//! Questions of a questionnaire and the responses to it.
use chrono::Utc;
use common::TenantScope;
use entity::{answer, question, question_option, response};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::NotStored;
use crate::domain::questionnaire::{AnswerRow, NewQuestion};

/// Appends `q` with its options after the consultation's last question.
pub async fn add_question(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    consultation: Uuid,
    q: &NewQuestion,
) -> Result<(question::Model, Vec<question_option::Model>), DbErr> {
    let position = scope
        .find::<question::Entity>()
        .filter(question::Column::ConsultationId.eq(consultation))
        .count(conn)
        .await? as i32
        + 1;
    let row = question::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.tenant_id()),
        consultation_id: Set(consultation),
        position: Set(position),
        kind: Set(q.kind.as_str().to_owned()),
        label: Set(q.label.clone()),
        required: Set(q.required),
        min_value: Set(q.min),
        max_value: Set(q.max),
        created_at: Set(Utc::now()),
    };
    let stored = scope.insert(conn, row).await?;
    let mut options = Vec::new();
    for (i, label) in q.options.iter().enumerate() {
        let option = question_option::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(scope.tenant_id()),
            question_id: Set(stored.id),
            position: Set(i as i32 + 1),
            label: Set(label.clone()),
        };
        options.push(scope.insert(conn, option).await?);
    }
    Ok((stored, options))
}

/// The questions in order, each with its options: two queries whatever their number.
pub async fn questions(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    consultation: Uuid,
) -> Result<Vec<(question::Model, Vec<question_option::Model>)>, DbErr> {
    let questions = scope
        .find::<question::Entity>()
        .filter(question::Column::ConsultationId.eq(consultation))
        .order_by_asc(question::Column::Position)
        .all(conn)
        .await?;
    let ids: Vec<Uuid> = questions.iter().map(|q| q.id).collect();
    let mut options = scope
        .find::<question_option::Entity>()
        .filter(question_option::Column::QuestionId.is_in(ids))
        .order_by_asc(question_option::Column::Position)
        .all(conn)
        .await?;
    Ok(questions
        .into_iter()
        .map(|q| {
            let mine: Vec<question_option::Model> =
                options.extract_if(.., |o| o.question_id == q.id).collect();
            (q, mine)
        })
        .collect())
}

/// Stores `user`'s response and its answers; a second one fails on the constraint.
pub async fn respond(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    consultation: Uuid,
    user: Uuid,
    rows: &[AnswerRow],
) -> Result<Uuid, NotStored> {
    let head = response::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.tenant_id()),
        consultation_id: Set(consultation),
        user_id: Set(user),
        created_at: Set(Utc::now()),
    };
    let stored = scope.insert(conn, head).await?;
    let answers = rows.iter().map(|r| answer::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.tenant_id()),
        response_id: Set(stored.id),
        question_id: Set(r.question_id),
        option_id: Set(r.option_id),
        text: Set(r.text.clone()),
        value: Set(r.value),
    });
    if !rows.is_empty() {
        answer::Entity::insert_many(answers).exec(conn).await.map_err(NotStored::Db)?;
    }
    Ok(stored.id)
}
