//! The embedded default: each message becomes a `.eml` file a newcomer can open.
use std::path::PathBuf;

use super::{Mailer, SendError};

/// Writes messages under a folder.
pub struct FileMailer {
    dir: PathBuf,
}

impl FileMailer {
    /// Writes into `dir` (created on first use).
    pub fn new(dir: PathBuf) -> Self {
        FileMailer { dir }
    }
}

#[async_trait::async_trait]
impl Mailer for FileMailer {
    async fn send(&self, message: &lettre::Message) -> Result<(), SendError> {
        let io = |e: std::io::Error| SendError::Transient(format!("cannot write mail file: {e}"));
        tokio::fs::create_dir_all(&self.dir).await.map_err(io)?;
        let name = format!(
            "{}-{}.eml",
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ"),
            uuid::Uuid::new_v4().simple()
        );
        // Written aside then renamed, so a reader never sees half a message.
        let partial = self.dir.join(format!(".{name}.part"));
        tokio::fs::write(&partial, message.formatted()).await.map_err(io)?;
        tokio::fs::rename(&partial, self.dir.join(name)).await.map_err(io)
    }
}
