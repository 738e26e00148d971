//! Account mails go through the outbox, in the same transaction as the token.
use common::{
    auth::one_time::Purpose,
    i18n::Lang,
    outbox::{self, NewEvent},
};
use sea_orm::{ConnectionTrait, DbErr};
use serde_json::json;
use uuid::Uuid;

use crate::domain::realm::Realm;

/// Who gets an account mail, and where its link leads.
pub struct AccountMail<'a> {
    pub to: &'a str,
    pub name: &'a str,
    /// The host the link opens: the one the person used.
    pub host: &'a str,
    pub lang: Lang,
}

/// Records the mail carrying the one-time token `token_id` for `purpose`.
pub async fn record(
    conn: &impl ConnectionTrait,
    realm: Realm,
    mail: AccountMail<'_>,
    purpose: Purpose,
    token_id: Uuid,
) -> Result<Uuid, DbErr> {
    let payload = json!({
        "recipients": [mail.to],
        "locale": mail.lang,
        "mail": { "template": "account_link", "params": {
            "purpose": purpose, "token_id": token_id, "host": mail.host, "name": mail.name,
        }},
    });
    outbox::record(
        conn,
        realm.scope(),
        NewEvent {
            kind: format!("account.{}", purpose.as_str()),
            payload,
            idempotency_key: token_id.to_string(),
        },
    )
    .await
}

/// Records a plain notice from the platform to one address (no unsubscribe link).
pub async fn record_notice(
    conn: &impl ConnectionTrait,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<Uuid, DbErr> {
    let payload = json!({
        "recipients": [to],
        "mail": { "template": "notice", "params": { "subject": subject, "body": body } },
    });
    outbox::record_once(conn, None, "platform.notice", payload).await
}
