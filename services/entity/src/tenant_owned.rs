//! Marks the tables whose rows belong to one town.
use sea_orm::EntityTrait;

/// A table with a `tenant_id` column; only reachable through a tenant scope.
pub trait TenantOwned: EntityTrait {
    /// The column holding the owning town's id.
    fn tenant_column() -> Self::Column;
}

macro_rules! tenant_owned {
    ($($module:ident),+) => {
        $(impl TenantOwned for crate::$module::Entity {
            fn tenant_column() -> Self::Column {
                crate::$module::Column::TenantId
            }
        })+
    };
}

tenant_owned!(
    answer,
    ballot,
    ballot_item,
    comment,
    comment_report,
    project,
    consultation,
    question,
    question_option,
    response,
    tenant_domain,
    user,
    membership,
    mail_suppression,
    notification_preference,
    subscription,
    outbox,
    proposal,
    support,
    audit_log,
    delivery,
    one_time_token,
    refresh_token
);
