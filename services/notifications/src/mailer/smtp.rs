//! SMTP through lettre's protocol client, over a pool of connections of our own:
//! connections are reused across messages, capped in number, and opened with
//! TCP_NODELAY — lettre writes a message and its closing dot separately, and
//! without it each message waits out the server's delayed ACK (about 40 ms).
use std::time::{Duration, Instant};

use lettre::transport::smtp::{
    authentication::{Credentials, Mechanism},
    client::{AsyncSmtpConnection, Certificate, TlsParameters},
    extension::ClientId,
};
use tokio::{
    net::TcpStream,
    sync::{Mutex, Semaphore},
};

use super::{Mailer, RateLimiter, SendError};

/// Connections kept open to the relay, and the most used at once.
pub const POOL_SIZE: usize = 8;
/// A connection parked longer than this is checked with NOOP before reuse.
const CHECK_AFTER: Duration = Duration::from_secs(30);

/// How the connection is secured, from `SMTP_URL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// `smtp://` alone: plain (a relay on a trusted network, or tests).
    None,
    /// `smtp://…?tls=opportunistic`: STARTTLS when offered.
    Opportunistic,
    /// `smtp://…?tls=required`: STARTTLS or fail.
    Required,
    /// `smtps://`: TLS from the first byte.
    Implicit,
}

/// Where and how to reach the relay.
#[derive(Clone)]
pub struct SmtpTarget {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    credentials: Option<Credentials>,
}

impl std::fmt::Debug for SmtpTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{} ({:?}, credentials: {})", self.host, self.port, self.tls, self.credentials.is_some())
    }
}

impl SmtpTarget {
    /// Reads `smtp://[user:pass@]host[:port][?tls=required|opportunistic]` or `smtps://…`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let url = url::Url::parse(raw).map_err(|e| format!("SMTP_URL: {e}"))?;
        let host = url.host_str().filter(|h| !h.is_empty()).ok_or("SMTP_URL: no host")?.to_owned();
        let (tls, default_port) = match (url.scheme(), url.query_pairs().find(|(k, _)| k == "tls")) {
            ("smtps", _) => (TlsMode::Implicit, 465),
            ("smtp", None) => (TlsMode::None, 25),
            ("smtp", Some((_, v))) if v == "required" => (TlsMode::Required, 587),
            ("smtp", Some((_, v))) if v == "opportunistic" => (TlsMode::Opportunistic, 587),
            ("smtp", Some((_, v))) if v == "none" => (TlsMode::None, 25),
            _ => return Err("SMTP_URL: use smtp:// (tls=required|opportunistic) or smtps://".into()),
        };
        let decode = |s: &str| {
            url::form_urlencoded::parse(s.as_bytes()).map(|(k, _)| k.into_owned()).collect::<String>()
        };
        let credentials = (!url.username().is_empty())
            .then(|| Credentials::new(decode(url.username()), decode(url.password().unwrap_or_default())));
        Ok(SmtpTarget { host, port: url.port().unwrap_or(default_port), tls, credentials })
    }
}

/// Sends through the SMTP server of `SMTP_URL`.
pub struct SmtpMailer {
    target: SmtpTarget,
    hello: ClientId,
    idle: Mutex<Vec<(Instant, AsyncSmtpConnection)>>,
    permits: Semaphore,
    limiter: RateLimiter,
    timeout: Duration,
    /// Trusted besides the public roots (a relay with a private CA).
    extra_roots: Option<Certificate>,
}

impl SmtpMailer {
    /// A mailer for `url`; `timeout` bounds connecting, every command and each send.
    pub fn from_url(url: &str, per_second: u32, timeout: Duration) -> Result<Self, String> {
        Ok(SmtpMailer {
            target: SmtpTarget::parse(url)?,
            hello: ClientId::default(),
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(POOL_SIZE),
            limiter: RateLimiter::per_second(per_second),
            timeout,
            extra_roots: None,
        })
    }

    /// Also trusts the certificates of `pem` (one or more) for the relay's TLS.
    pub fn trusting(mut self, pem: &[u8]) -> Result<Self, String> {
        if !String::from_utf8_lossy(pem).contains("-----BEGIN CERTIFICATE-----") {
            return Err("no PEM certificate found".into());
        }
        self.extra_roots = Some(Certificate::from_pem(pem).map_err(|e| e.to_string())?);
        Ok(self)
    }

    fn tls_parameters(&self) -> Result<TlsParameters, SendError> {
        let mut builder = TlsParameters::builder(self.target.host.clone());
        if let Some(roots) = &self.extra_roots {
            builder = builder.add_root_certificate(roots.clone());
        }
        // TLS errors (unknown CA, wrong name) are the relay's setup: worth retrying once fixed.
        builder.build().map_err(|e| SendError::Transient(format!("TLS setup: {e}")))
    }

    async fn open(&self) -> Result<AsyncSmtpConnection, SendError> {
        let t = &self.target;
        let tls = || self.tls_parameters();
        let mut conn = if t.tls == TlsMode::Implicit {
            AsyncSmtpConnection::connect_tokio1(
                (t.host.as_str(), t.port),
                Some(self.timeout),
                &self.hello,
                Some(tls()?),
                None,
            )
            .await
            .map_err(classify)?
        } else {
            let tcp = TcpStream::connect((t.host.as_str(), t.port))
                .await
                .map_err(|e| SendError::Transient(format!("cannot connect to the SMTP server: {e}")))?;
            let _ = tcp.set_nodelay(true);
            let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello)
                .await
                .map_err(classify)?;
            match (t.tls, conn.can_starttls()) {
                (TlsMode::Required | TlsMode::Opportunistic, true) => {
                    conn.starttls(tls()?, &self.hello)
                        .await
                        .map_err(|e| SendError::Transient(format!("STARTTLS failed: {e}")))?;
                }
                // Never falls back to plain text when TLS is required.
                (TlsMode::Required, false) => {
                    return Err(SendError::Transient("the SMTP server does not offer STARTTLS".into()));
                }
                _ => {}
            }
            conn
        };
        if let Some(credentials) = &t.credentials {
            // A refused login is the platform's settings, not the recipient: retry, never fail the mail.
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await
                .map_err(|e| SendError::Transient(format!("SMTP login refused: {e}")))?;
        }
        Ok(conn)
    }

    /// A parked connection still alive, or a new one.
    async fn checkout(&self) -> Result<AsyncSmtpConnection, SendError> {
        loop {
            let parked = self.idle.lock().await.pop();
            match parked {
                None => return self.open().await,
                Some((since, mut conn)) => {
                    if since.elapsed() < CHECK_AFTER || conn.test_connected().await {
                        return Ok(conn);
                    }
                    conn.abort().await;
                }
            }
        }
    }
}

#[async_trait::async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, message: &lettre::Message) -> Result<(), SendError> {
        self.limiter.wait().await;
        let _permit =
            self.permits.acquire().await.map_err(|_| SendError::Transient("mailer closed".into()))?;
        let attempt = async {
            let mut conn = self.checkout().await?;
            let sent = conn.send(message.envelope(), &message.formatted()).await.map_err(classify);
            // lettre closes a connection on any SMTP error; a healthy one goes back.
            if !conn.has_broken() {
                self.idle.lock().await.push((Instant::now(), conn));
            }
            sent
        };
        match tokio::time::timeout(self.timeout, attempt).await {
            Err(_) => Err(SendError::Transient("SMTP send timed out".into())),
            Ok(result) => result.map(|_| ()),
        }
    }
}

/// 5xx replies are final; 4xx replies, lost connections and TLS hiccups are worth a retry.
fn classify(e: lettre::transport::smtp::Error) -> SendError {
    if e.is_permanent() { SendError::Permanent(e.to_string()) } else { SendError::Transient(e.to_string()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_form_of_smtp_url() {
        let t = SmtpTarget::parse("smtp://127.0.0.1:2525").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.tls, t.credentials.is_some()),
            ("127.0.0.1", 2525, TlsMode::None, false)
        );
        let t = SmtpTarget::parse("smtp://user%40x.fr:p%C3%A9ss@mail.example.fr?tls=required").unwrap();
        assert_eq!((t.port, t.tls), (587, TlsMode::Required));
        assert!(t.credentials.is_some());
        assert!(!format!("{t:?}").contains("ss"));
        let t = SmtpTarget::parse("smtps://u:p@mail.example.fr").unwrap();
        assert_eq!((t.port, t.tls), (465, TlsMode::Implicit));
        for bad in ["http://x", "smtp://", "smtp://h?tls=maybe", "not a url"] {
            assert!(SmtpTarget::parse(bad).is_err(), "{bad}");
        }
    }
}
