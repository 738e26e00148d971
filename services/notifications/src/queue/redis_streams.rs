//! Redis Streams with one consumer group shared by every worker replica.
//! A message is acknowledged only once handled; one left pending by a dead
//! worker past the visibility timeout is claimed back by another (`XAUTOCLAIM`);
//! one handed out too often, or unreadable, goes to the dead-letter stream.
use std::time::Duration;

use redis::{
    AsyncCommands, Value,
    aio::{ConnectionManager, ConnectionManagerConfig},
    streams::{
        StreamAutoClaimOptions, StreamAutoClaimReply, StreamId, StreamPendingCountReply, StreamReadOptions,
        StreamReadReply,
    },
};

use super::{JobQueue, QueueError, Received};
use crate::job::Job;

/// Longest a `receive` may block; the blocking connection's timeout is set above it.
const MAX_BLOCK: Duration = Duration::from_secs(5);

/// Names and limits of a Redis queue.
#[derive(Debug, Clone)]
pub struct RedisQueueSettings {
    /// Key prefix: the stream is `<prefix>:jobs`, dead letters `<prefix>:dead`.
    pub prefix: String,
    pub group: String,
    /// This worker's name in the group; unique per process.
    pub consumer: String,
    /// A message unacknowledged this long is taken over by another worker.
    pub visibility_timeout: Duration,
    /// Hand-outs after which a message is dead-lettered.
    pub max_deliveries: u64,
}

impl RedisQueueSettings {
    /// Production defaults, with a consumer name unique to this process.
    pub fn new(prefix: &str) -> Self {
        RedisQueueSettings {
            prefix: prefix.to_owned(),
            group: "workers".into(),
            consumer: format!("worker-{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()),
            visibility_timeout: Duration::from_secs(120),
            max_deliveries: 5,
        }
    }
}

/// The production queue.
pub struct RedisQueue {
    conn: ConnectionManager,
    /// Blocking reads get their own connection so they never hold up publishing.
    reader: ConnectionManager,
    stream: String,
    dead: String,
    settings: RedisQueueSettings,
}

impl RedisQueue {
    /// Connects and creates the stream and group if missing.
    pub async fn connect(url: &str, settings: RedisQueueSettings) -> Result<Self, QueueError> {
        let client = redis::Client::open(url)?;
        let conn = ConnectionManager::new(client.clone()).await?;
        let reader_config =
            ConnectionManagerConfig::new().set_response_timeout(Some(MAX_BLOCK + Duration::from_secs(5)));
        let reader = ConnectionManager::new_with_config(client, reader_config).await?;
        let queue = RedisQueue {
            conn,
            reader,
            stream: format!("{}:jobs", settings.prefix),
            dead: format!("{}:dead", settings.prefix),
            settings,
        };
        queue.ensure_group().await?;
        Ok(queue)
    }

    /// Creates the group (and stream) unless it exists; also after a Redis restart lost them.
    async fn ensure_group(&self) -> Result<(), QueueError> {
        let mut conn = self.conn.clone();
        let created: Result<(), _> =
            conn.xgroup_create_mkstream(&self.stream, &self.settings.group, "0").await;
        match created {
            Err(e) if e.code() == Some("BUSYGROUP") => Ok(()),
            other => other.map_err(QueueError::from),
        }
    }

    /// Messages in the dead-letter stream.
    pub async fn dead_letters(&self) -> Result<u64, QueueError> {
        let mut conn = self.conn.clone();
        Ok(conn.xlen(&self.dead).await?)
    }

    /// Stale messages claimed back first, then new ones; each with its hand-out count.
    async fn take(&self, max: usize, wait: Duration) -> redis::RedisResult<Vec<(StreamId, u64)>> {
        let mut messages = self.claim_stale(max).await?;
        if messages.len() < max {
            // Never block when claimed work is already in hand.
            let wait = if messages.is_empty() { wait } else { Duration::ZERO };
            messages.extend(self.read_new(max - messages.len(), wait).await?.into_iter().map(|m| (m, 1)));
        }
        Ok(messages)
    }

    async fn claim_stale(&self, max: usize) -> redis::RedisResult<Vec<(StreamId, u64)>> {
        let mut conn = self.conn.clone();
        let idle_ms = self.settings.visibility_timeout.as_millis() as u64;
        let reply: StreamAutoClaimReply = conn
            .xautoclaim_options(
                &self.stream,
                &self.settings.group,
                &self.settings.consumer,
                idle_ms,
                "0-0",
                StreamAutoClaimOptions::default().count(max),
            )
            .await?;
        let mut claimed = Vec::with_capacity(reply.claimed.len());
        for message in reply.claimed {
            let pending: StreamPendingCountReply =
                conn.xpending_count(&self.stream, &self.settings.group, &message.id, &message.id, 1).await?;
            let count = pending.ids.first().map_or(1, |p| p.times_delivered as u64);
            claimed.push((message, count));
        }
        Ok(claimed)
    }

    async fn read_new(&self, max: usize, wait: Duration) -> redis::RedisResult<Vec<StreamId>> {
        let mut reader = self.reader.clone();
        let mut options =
            StreamReadOptions::default().group(&self.settings.group, &self.settings.consumer).count(max);
        if !wait.is_zero() {
            options = options.block(wait.min(MAX_BLOCK).as_millis() as usize);
        }
        let reply: Option<StreamReadReply> = reader.xread_options(&[&self.stream], &[">"], &options).await?;
        Ok(reply.map(|r| r.keys.into_iter().flat_map(|k| k.ids).collect()).unwrap_or_default())
    }

    async fn dead_letter(&self, message: &StreamId, reason: &str) -> Result<(), QueueError> {
        let mut conn = self.conn.clone();
        let raw = payload(message).unwrap_or_default();
        tracing::warn!(message_id = %message.id, reason, "job moved to the dead-letter stream");
        let _: String = conn
            .xadd(
                &self.dead,
                "*",
                &[("job", raw.as_str()), ("reason", reason), ("original_id", message.id.as_str())],
            )
            .await?;
        self.ack(&message.id).await
    }
}

fn payload(message: &StreamId) -> Option<String> {
    match message.map.get("job")? {
        Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
        Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

#[async_trait::async_trait]
impl JobQueue for RedisQueue {
    async fn publish(&self, jobs: &[Job]) -> Result<(), QueueError> {
        if jobs.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        for job in jobs {
            pipe.xadd(&self.stream, "*", &[("job", job.encode())]).ignore();
        }
        let mut conn = self.conn.clone();
        pipe.query_async::<()>(&mut conn).await?;
        Ok(())
    }

    async fn receive(&self, max: usize, wait: Duration) -> Result<Vec<Received>, QueueError> {
        match self.take(max, wait).await {
            // The stream or group vanished (Redis restarted empty or was flushed): recreate
            // them; the sweep re-queues from the database whatever was lost.
            Err(e) if e.code() == Some("NOGROUP") => {
                self.ensure_group().await?;
                Ok(Vec::new())
            }
            Err(e) => Err(e.into()),
            Ok(messages) => {
                let mut received = Vec::with_capacity(messages.len());
                for (message, delivery_count) in messages {
                    match payload(&message).as_deref().and_then(Job::decode) {
                        None => self.dead_letter(&message, "unreadable job").await?,
                        Some(_) if delivery_count > self.settings.max_deliveries => {
                            self.dead_letter(&message, "delivered too many times").await?
                        }
                        Some(job) => received.push(Received { receipt: message.id, job, delivery_count }),
                    }
                }
                Ok(received)
            }
        }
    }

    async fn ack(&self, receipt: &str) -> Result<(), QueueError> {
        let mut conn = self.conn.clone();
        // Acknowledged messages are deleted so the stream stays as small as the backlog.
        redis::pipe()
            .xack(&self.stream, &self.settings.group, &[receipt])
            .ignore()
            .xdel(&self.stream, &[receipt])
            .ignore()
            .query_async::<()>(&mut conn)
            .await?;
        Ok(())
    }

    async fn depth(&self) -> Result<u64, QueueError> {
        let mut conn = self.conn.clone();
        Ok(conn.xlen(&self.stream).await?)
    }
}
