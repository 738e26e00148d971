//! SMTP through lettre with a pool of connections reused across messages.
use std::time::Duration;

use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor, transport::smtp::PoolConfig};

use super::{Mailer, RateLimiter, SendError};

/// Connections kept open to the relay.
const POOL_SIZE: u32 = 8;

/// Sends through the SMTP server of `SMTP_URL`.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    limiter: RateLimiter,
    timeout: Duration,
}

impl SmtpMailer {
    /// `smtp://host:port` (add `?tls=required` for STARTTLS) or `smtps://user:pass@host`;
    /// `timeout` bounds every SMTP command and the whole send.
    pub fn from_url(
        url: &str,
        per_second: u32,
        timeout: Duration,
    ) -> Result<Self, lettre::transport::smtp::Error> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?
            .timeout(Some(timeout))
            .pool_config(PoolConfig::new().max_size(POOL_SIZE).idle_timeout(Duration::from_secs(60)))
            .build();
        Ok(SmtpMailer { transport, limiter: RateLimiter::per_second(per_second), timeout })
    }
}

#[async_trait::async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, message: &lettre::Message) -> Result<(), SendError> {
        self.limiter.wait().await;
        match tokio::time::timeout(self.timeout, self.transport.send(message.clone())).await {
            Err(_) => Err(SendError::Transient("SMTP send timed out".into())),
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            // 4xx replies, lost connections, TLS hiccups, timeouts: try again later.
            Ok(Err(e)) => Err(SendError::Transient(e.to_string())),
        }
    }
}
