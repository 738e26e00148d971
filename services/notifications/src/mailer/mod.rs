//! Sending one message: SMTP through lettre, or `.eml` files in the embedded default.
mod files;
mod rate;
mod smtp;

use std::{sync::Arc, time::Duration};

pub use files::FileMailer;
pub use rate::RateLimiter;
pub use smtp::{POOL_SIZE, SmtpMailer};

use common::config::Config;

/// Why a message was not sent, as far as retrying is concerned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth retrying later: 4xx reply, connection lost, timeout.
    #[error("transient: {0}")]
    Transient(String),
    /// Retrying cannot help: 5xx reply, malformed address.
    #[error("permanent: {0}")]
    Permanent(String),
}

/// Something that delivers a finished message.
#[async_trait::async_trait]
pub trait Mailer: Send + Sync {
    /// Sends `message` to the recipients of its envelope.
    async fn send(&self, message: &lettre::Message) -> Result<(), SendError>;
}

/// SMTP when `SMTP_URL` is set, files under `DATA_DIR/mail` otherwise.
pub fn from_config(config: &Config) -> anyhow::Result<Arc<dyn Mailer>> {
    Ok(match &config.smtp_url {
        Some(url) => {
            let mut mailer =
                SmtpMailer::from_url(url.expose(), config.mail_rate_per_second, Duration::from_secs(30))
                    .map_err(anyhow::Error::msg)?;
            if let Some(path) = &config.smtp_ca_file {
                let pem = std::fs::read(path)
                    .map_err(|e| anyhow::anyhow!("SMTP_CA_FILE: cannot read {}: {e}", path.display()))?;
                mailer = mailer
                    .trusting(&pem)
                    .map_err(|e| anyhow::anyhow!("SMTP_CA_FILE: {}: {e}", path.display()))?;
            }
            Arc::new(mailer)
        }
        None => Arc::new(FileMailer::new(config.data_dir.join("mail"))),
    })
}
