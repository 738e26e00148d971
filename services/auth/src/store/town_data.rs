//! Everything a town holds: exported as one archive, or deleted at once.
use std::io::Write;

use common::TenantScope;
use entity::{
    answer, audit_log, ballot, ballot_item, comment, comment_report, consultation, delivery,
    mail_suppression, membership, notification_preference, one_time_token, outbox, project, proposal,
    question, question_option, refresh_token, response, subscription, support, tenant, tenant_domain, user,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use zip::write::SimpleFileOptions;

/// The town's rows of one table, as JSON objects.
async fn rows<E>(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    order: E::Column,
) -> Result<Vec<Value>, DbErr>
where
    E: entity::TenantOwned,
{
    scope.find::<E>().order_by_asc(order).into_json().all(conn).await
}

/// Every table of the town with its rows; secrets (password hashes, token
/// hashes) stay out.
pub async fn export_tables(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
) -> Result<Vec<(&'static str, Vec<Value>)>, DbErr> {
    let town = tenant::Entity::find_by_id(scope.tenant_id()).into_json().all(conn).await?;
    let mut users = rows::<user::Entity>(conn, scope, user::Column::CreatedAt).await?;
    for u in &mut users {
        if let Some(obj) = u.as_object_mut() {
            obj.remove("password_hash");
        }
    }
    Ok(vec![
        ("tenant", town),
        (
            "tenant_domains",
            rows::<tenant_domain::Entity>(conn, scope, tenant_domain::Column::CreatedAt).await?,
        ),
        ("users", users),
        ("memberships", rows::<membership::Entity>(conn, scope, membership::Column::CreatedAt).await?),
        (
            "notification_preferences",
            rows::<notification_preference::Entity>(conn, scope, notification_preference::Column::UserId)
                .await?,
        ),
        ("subscriptions", rows::<subscription::Entity>(conn, scope, subscription::Column::CreatedAt).await?),
        (
            "mail_suppressions",
            rows::<mail_suppression::Entity>(conn, scope, mail_suppression::Column::CreatedAt).await?,
        ),
        ("consultations", rows::<consultation::Entity>(conn, scope, consultation::Column::CreatedAt).await?),
        ("questions", rows::<question::Entity>(conn, scope, question::Column::Position).await?),
        (
            "question_options",
            rows::<question_option::Entity>(conn, scope, question_option::Column::Position).await?,
        ),
        ("responses", rows::<response::Entity>(conn, scope, response::Column::CreatedAt).await?),
        ("answers", rows::<answer::Entity>(conn, scope, answer::Column::ResponseId).await?),
        ("proposals", rows::<proposal::Entity>(conn, scope, proposal::Column::CreatedAt).await?),
        ("supports", rows::<support::Entity>(conn, scope, support::Column::CreatedAt).await?),
        ("comments", rows::<comment::Entity>(conn, scope, comment::Column::CreatedAt).await?),
        (
            "comment_reports",
            rows::<comment_report::Entity>(conn, scope, comment_report::Column::CreatedAt).await?,
        ),
        ("projects", rows::<project::Entity>(conn, scope, project::Column::Position).await?),
        ("ballots", rows::<ballot::Entity>(conn, scope, ballot::Column::CreatedAt).await?),
        ("ballot_items", rows::<ballot_item::Entity>(conn, scope, ballot_item::Column::BallotId).await?),
        ("outbox", rows::<outbox::Entity>(conn, scope, outbox::Column::CreatedAt).await?),
        ("deliveries", rows::<delivery::Entity>(conn, scope, delivery::Column::CreatedAt).await?),
        ("audit_log", rows::<audit_log::Entity>(conn, scope, audit_log::Column::Id).await?),
    ])
}

/// A cell as a spreadsheet will show it, formulas neutralised.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => common::spreadsheet::safe_cell(s),
        other => common::spreadsheet::safe_cell(&other.to_string()),
    }
}

fn csv_of(rows: &[Value]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let Some(first) = rows.first().and_then(Value::as_object) else { return Ok(Vec::new()) };
    let columns: Vec<&String> = first.keys().collect();
    out.write_record(&columns)?;
    for row in rows {
        out.write_record(columns.iter().map(|c| cell(row.get(c.as_str()).unwrap_or(&Value::Null))))?;
    }
    out.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// A zip with `<table>.json` and `<table>.csv` for each table.
pub fn archive(tables: &[(&'static str, Vec<Value>)]) -> anyhow::Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, rows) in tables {
        zip.start_file(format!("{name}.json"), options)?;
        zip.write_all(&serde_json::to_vec_pretty(rows)?)?;
        zip.start_file(format!("{name}.csv"), options)?;
        zip.write_all(&csv_of(rows)?)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// Deletes the town and every row it owns, children first.
pub async fn delete_town(conn: &impl ConnectionTrait, scope: TenantScope) -> Result<(), DbErr> {
    let id = scope.tenant_id();
    delivery::Entity::delete_many().filter(delivery::Column::TenantId.eq(id)).exec(conn).await?;
    refresh_token::Entity::delete_many().filter(refresh_token::Column::TenantId.eq(id)).exec(conn).await?;
    one_time_token::Entity::delete_many().filter(one_time_token::Column::TenantId.eq(id)).exec(conn).await?;
    membership::Entity::delete_many().filter(membership::Column::TenantId.eq(id)).exec(conn).await?;
    notification_preference::Entity::delete_many()
        .filter(notification_preference::Column::TenantId.eq(id))
        .exec(conn)
        .await?;
    subscription::Entity::delete_many().filter(subscription::Column::TenantId.eq(id)).exec(conn).await?;
    mail_suppression::Entity::delete_many()
        .filter(mail_suppression::Column::TenantId.eq(id))
        .exec(conn)
        .await?;
    ballot_item::Entity::delete_many().filter(ballot_item::Column::TenantId.eq(id)).exec(conn).await?;
    ballot::Entity::delete_many().filter(ballot::Column::TenantId.eq(id)).exec(conn).await?;
    project::Entity::delete_many().filter(project::Column::TenantId.eq(id)).exec(conn).await?;
    comment_report::Entity::delete_many().filter(comment_report::Column::TenantId.eq(id)).exec(conn).await?;
    // Replies first: their parents are comments too.
    comment::Entity::delete_many()
        .filter(comment::Column::TenantId.eq(id))
        .filter(comment::Column::ParentId.is_not_null())
        .exec(conn)
        .await?;
    comment::Entity::delete_many().filter(comment::Column::TenantId.eq(id)).exec(conn).await?;
    support::Entity::delete_many().filter(support::Column::TenantId.eq(id)).exec(conn).await?;
    proposal::Entity::delete_many().filter(proposal::Column::TenantId.eq(id)).exec(conn).await?;
    answer::Entity::delete_many().filter(answer::Column::TenantId.eq(id)).exec(conn).await?;
    response::Entity::delete_many().filter(response::Column::TenantId.eq(id)).exec(conn).await?;
    question_option::Entity::delete_many()
        .filter(question_option::Column::TenantId.eq(id))
        .exec(conn)
        .await?;
    question::Entity::delete_many().filter(question::Column::TenantId.eq(id)).exec(conn).await?;
    consultation::Entity::delete_many().filter(consultation::Column::TenantId.eq(id)).exec(conn).await?;
    outbox::Entity::delete_many().filter(outbox::Column::TenantId.eq(id)).exec(conn).await?;
    user::Entity::delete_many().filter(user::Column::TenantId.eq(id)).exec(conn).await?;
    tenant_domain::Entity::delete_many().filter(tenant_domain::Column::TenantId.eq(id)).exec(conn).await?;
    audit_log::Entity::delete_many().filter(audit_log::Column::TenantId.eq(id)).exec(conn).await?;
    tenant::Entity::delete_by_id(id).exec(conn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_in_csv() {
        let rows =
            vec![serde_json::json!({ "a": "=HYPERLINK(\"x\")", "b": "-1", "c": "ok", "d": null, "e": 3 })];
        let text = String::from_utf8(csv_of(&rows).unwrap()).unwrap();
        assert_eq!(text, "a,b,c,d,e\n\"'=HYPERLINK(\"\"x\"\")\",'-1,ok,,3\n");
    }
}
