//! The embedded default: a channel inside the process. What it loses in a crash
//! the sweep finds again in the database, which is the source of truth.
use std::time::Duration;

use tokio::sync::{Mutex, mpsc};

use super::{JobQueue, QueueError, Received};
use crate::job::Job;

/// In-process queue.
pub struct MemoryQueue {
    tx: mpsc::UnboundedSender<Job>,
    rx: Mutex<mpsc::UnboundedReceiver<Job>>,
}

impl MemoryQueue {
    /// An empty queue.
    pub fn new() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        MemoryQueue { tx, rx: Mutex::new(rx) }
    }
}

impl Default for MemoryQueue {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait::async_trait]
impl JobQueue for MemoryQueue {
    async fn publish(&self, jobs: &[Job]) -> Result<(), QueueError> {
        for job in jobs {
            self.tx.send(job.clone()).map_err(|_| QueueError("in-process queue closed".into()))?;
        }
        Ok(())
    }

    async fn receive(&self, max: usize, wait: Duration) -> Result<Vec<Received>, QueueError> {
        let mut rx = self.rx.lock().await;
        let mut jobs = Vec::new();
        if let Ok(Some(first)) = tokio::time::timeout(wait, rx.recv()).await {
            jobs.push(first);
            while jobs.len() < max {
                match rx.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
        }
        Ok(jobs.into_iter().map(|job| Received { receipt: String::new(), job, delivery_count: 1 }).collect())
    }

    async fn ack(&self, _receipt: &str) -> Result<(), QueueError> {
        Ok(())
    }

    async fn depth(&self) -> Result<u64, QueueError> {
        Ok(self.rx.lock().await.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[tokio::test]
    async fn jobs_come_out_in_order_in_batches() {
        let q = MemoryQueue::new();
        let jobs: Vec<Job> = (0..5).map(|_| Job::Expand { event_id: Uuid::new_v4() }).collect();
        q.publish(&jobs).await.unwrap();
        assert_eq!(q.depth().await.unwrap(), 5);
        let first = q.receive(3, Duration::from_millis(10)).await.unwrap();
        assert_eq!(first.iter().map(|r| r.job.clone()).collect::<Vec<_>>(), jobs[..3]);
        let rest = q.receive(10, Duration::from_millis(10)).await.unwrap();
        assert_eq!(rest.len(), 2);
        assert!(q.receive(10, Duration::from_millis(10)).await.unwrap().is_empty());
    }
}
