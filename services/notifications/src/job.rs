//! What travels on the queue: small references to rows, never the mail itself.
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One unit of work for the worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "snake_case")]
pub enum Job {
    /// Turn an outbox event into one delivery per recipient.
    Expand { event_id: Uuid },
    /// Send these deliveries (a batch, so a 10,000-recipient event is 200 messages).
    Send { delivery_ids: Vec<Uuid> },
}

impl Job {
    /// The job as queue payload.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a payload; `None` for anything this version cannot handle (poison).
    pub fn decode(raw: &str) -> Option<Job> {
        serde_json::from_str(raw).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_round_trip_and_garbage_is_refused() {
        let job = Job::Send { delivery_ids: vec![Uuid::new_v4(), Uuid::new_v4()] };
        assert_eq!(Job::decode(&job.encode()), Some(job));
        assert_eq!(Job::decode("{\"job\":\"explode\"}"), None);
        assert_eq!(Job::decode("not json"), None);
    }
}
