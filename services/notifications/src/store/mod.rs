//! Database access of the mail pipeline. The database is the source of truth:
//! the queue only carries references and can be lost without losing mail.
use chrono::{DateTime, Utc};
use entity::delivery;
use sea_orm::{ColumnTrait, Condition};

mod attempts;
pub mod audience;
mod deliveries;
mod events;
pub mod log;
pub mod subscriptions;

pub use attempts::{AttemptResult, close_many, lease_many, lock_many, mark_sent_many, record_attempt};
pub use deliveries::{
    due_deliveries, insert_closed_deliveries, insert_deliveries, made_this_month, mark_enqueued,
    queued_for_event,
};
pub use events::{event, mark_processed, mark_relayed, relay_batch, stalled_events};

/// Delivery states.
pub mod status {
    pub const QUEUED: &str = "queued";
    pub const SENT: &str = "sent";
    pub const FAILED: &str = "failed";
    pub const DEAD: &str = "dead";
    /// Not sent: the recipient unsubscribed after the fan-out began.
    pub const UNSUBSCRIBED: &str = "unsubscribed";
    /// Not sent: the week held nothing for this reader's digest.
    pub const NOTHING_NEW: &str = "nothing_new";
    /// Not sent: the town had reached its monthly quota.
    pub const OVER_QUOTA: &str = "over_quota";
}

/// Deliveries no worker holds a lease on at `now`.
fn not_held(now: DateTime<Utc>) -> Condition {
    Condition::any().add(delivery::Column::LockedUntil.is_null()).add(delivery::Column::LockedUntil.lt(now))
}
