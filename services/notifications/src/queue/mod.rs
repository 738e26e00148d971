//! The job queue: Redis Streams when `REDIS_URL` is set, in-process otherwise.
mod memory;
mod redis_streams;

use std::time::Duration;

pub use memory::MemoryQueue;
pub use redis_streams::{RedisQueue, RedisQueueSettings};

use crate::job::Job;

/// Why the queue could not be used; the caller retries later.
#[derive(Debug, thiserror::Error)]
#[error("queue unavailable: {0}")]
pub struct QueueError(pub String);

impl From<redis::RedisError> for QueueError {
    fn from(e: redis::RedisError) -> Self {
        QueueError(e.to_string())
    }
}

/// A job taken from the queue, to acknowledge once handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// Identifies the message for `ack`.
    pub receipt: String,
    pub job: Job,
    /// How many times the queue has handed this message out, this time included.
    pub delivery_count: u64,
}

/// A queue of jobs shared by every worker.
#[async_trait::async_trait]
pub trait JobQueue: Send + Sync {
    /// Adds jobs at the end of the queue.
    async fn publish(&self, jobs: &[Job]) -> Result<(), QueueError>;

    /// Up to `max` jobs, waiting at most `wait` when there are none. Includes
    /// jobs a dead worker left unacknowledged past the visibility timeout.
    async fn receive(&self, max: usize, wait: Duration) -> Result<Vec<Received>, QueueError>;

    /// Marks a job done; it will not be handed out again.
    async fn ack(&self, receipt: &str) -> Result<(), QueueError>;

    /// Jobs waiting or in flight.
    async fn depth(&self) -> Result<u64, QueueError>;
}
