//! An address that asked a town for news of its consultations, without an account.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subscriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub email: String,
    /// `pending` (nothing is sent), `confirmed` or `unsubscribed`.
    pub status: String,
    /// SHA-256 of the link's token while the request waits for its confirmation.
    pub confirm_token_hash: Option<String>,
    pub confirm_expires_at: Option<DateTimeUtc>,
    /// The consent: when, from which page, the words shown, and from where.
    pub consent_at: DateTimeUtc,
    pub consent_page: String,
    pub consent_wording: String,
    pub consent_ip: Option<String>,
    pub confirmed_at: Option<DateTimeUtc>,
    pub unsubscribed_at: Option<DateTimeUtc>,
    /// `fr` or `en`: the browser's language when the address subscribed.
    pub language: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
