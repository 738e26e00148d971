//! `participation operator create --email E`: an operator account without a
//! password, and a one-time link to choose it. No default password exists.
use anyhow::bail;
use chrono::{Duration, Utc};
use entity::user;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};
use uuid::Uuid;

use crate::{
    auth::one_time::{self, NewOneTime, Purpose},
    config::Config,
    db,
    domain::Email,
    signing::SigningKey,
};

/// How long the link to set a first password stays good.
const SETUP_TTL: Duration = Duration::hours(24);

/// Creates the operator `email` (or gives an existing one a new link) and
/// returns the link to set the password, on the platform host.
pub async fn create_operator(config: &Config, email: &str) -> anyhow::Result<String> {
    let Ok(email) = Email::parse(email) else { bail!("{email:?} is not an e-mail address") };
    let db = db::connect(config).await?;
    db::prepare_schema(config, &db).await?;
    let key = SigningKey::load_or_create(config)?;
    let txn = db.begin().await?;
    let existing = user::Entity::find()
        .filter(user::Column::TenantId.is_null())
        .filter(user::Column::Email.eq(email.as_ref()))
        .one(&txn)
        .await?;
    let id = match existing {
        Some(operator) => operator.id,
        None => {
            let now = Utc::now();
            let display_name = email.as_ref().split('@').next().unwrap_or("operator").to_owned();
            user::ActiveModel {
                id: Set(Uuid::new_v4()),
                tenant_id: Set(None),
                email: Set(email.to_string()),
                password_hash: Set(None),
                display_name: Set(display_name),
                email_verified_at: Set(Some(now)),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?
            .id
        }
    };
    let new = NewOneTime {
        tenant_id: None,
        user_id: Some(id),
        purpose: Purpose::PasswordReset,
        ttl: SETUP_TTL,
        invitee: None,
    };
    let token = one_time::issue(&txn, &key, new).await?;
    txn.commit().await?;
    Ok(one_time::link(config, &config.platform_domain, Purpose::PasswordReset, &key, token))
}
