//! Questions of a questionnaire and the responses to it.
use std::sync::{Arc, LazyLock};

use chrono::Utc;
use common::TenantScope;
use entity::{answer, consultation, question, question_option, response};
use moka::future::Cache;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::NotStored;
use crate::domain::{
    questionnaire::{AnswerRow, NewQuestion},
    status::DRAFT,
};

/// A questionnaire's questions in order, each with its options in order.
pub type Questions = Vec<(question::Model, Vec<question_option::Model>)>;

/// Questions of published consultations, by town and consultation. Questions
/// are added only to drafts and a consultation never goes back to draft, so
/// what is kept here cannot go out of date: it needs no invalidation. Bounded
/// by weight: with every commune's questionnaires, a count did not bound memory.
static PUBLISHED: LazyLock<Cache<(Uuid, Uuid), Arc<Questions>>> = LazyLock::new(|| {
    Cache::builder()
        .max_capacity(PUBLISHED_BYTES)
        .weigher(|_, q: &Arc<Questions>| u32::try_from(weight(q)).unwrap_or(u32::MAX))
        .build()
});

/// What the kept questions may weigh.
const PUBLISHED_BYTES: u64 = 4 * 1024 * 1024;

/// Roughly the bytes a questionnaire's questions hold.
fn weight(questions: &Questions) -> usize {
    questions
        .iter()
        .map(|(q, options)| 300 + q.label.len() + options.iter().map(|o| 150 + o.label.len()).sum::<usize>())
        .sum::<usize>()
        + 100
}

/// The questions of `c`: read once, then kept in memory once it is published.
pub async fn of(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    c: &consultation::Model,
) -> Result<Arc<Questions>, DbErr> {
    if c.status == DRAFT {
        return Ok(Arc::new(questions(conn, scope, c.id).await?));
    }
    let key = (scope.tenant_id(), c.id);
    if let Some(kept) = PUBLISHED.get(&key).await {
        return Ok(kept);
    }
    let read = Arc::new(questions(conn, scope, c.id).await?);
    PUBLISHED.insert(key, read.clone()).await;
    Ok(read)
}

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
) -> Result<Questions, DbErr> {
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
