//! A real SMTP server for tests: speaks enough ESMTP for lettre over TCP,
//! STARTTLS or implicit TLS (with a certificate from a CA made for the test),
//! checks AUTH PLAIN, records what it accepts, and can be told to refuse the
//! next messages.
use std::{
    collections::VecDeque,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use base64::Engine;
use tokio::{
    io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
};
use tokio_rustls::{
    TlsAcceptor,
    rustls::{
        ServerConfig,
        crypto::ring,
        pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer},
    },
};

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// The raw message (headers and body), dot-stuffing undone.
    pub data: Vec<u8>,
    /// Whether it came over TLS.
    pub tls: bool,
    /// The user the client logged in as, if it did.
    pub user: Option<String>,
}

/// How to answer the DATA of a coming message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    Accept,
    /// 451: try again later.
    Transient,
    /// 550: no such mailbox.
    Permanent,
}

/// How the server secures a connection.
#[derive(Clone)]
enum Security {
    Plain,
    /// Plain first, TLS after the client's STARTTLS.
    StartTls(TlsAcceptor),
    /// TLS from the first byte (`smtps://`).
    Implicit(TlsAcceptor),
}

#[derive(Default)]
struct Shared {
    /// When false, messages are only counted (benchmarks: no memory growth).
    keep: bool,
    count: usize,
    received: Vec<ReceivedMail>,
    script: VecDeque<Reply>,
    connections: usize,
    /// Required before MAIL FROM when set.
    login: Option<(String, String)>,
}

/// A running sink on 127.0.0.1 and a random port.
#[derive(Clone)]
pub struct SmtpSink {
    pub addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
}

/// The certificate authority a TLS sink's certificate (for `localhost`) comes from.
pub struct TestCa {
    /// PEM, for `SMTP_CA_FILE`.
    pub pem: String,
}

impl SmtpSink {
    /// Starts the server in the background; it keeps every message.
    pub async fn start() -> SmtpSink {
        Self::start_with(true, Security::Plain).await
    }

    /// Starts a server that only counts messages.
    pub async fn start_counting() -> SmtpSink {
        Self::start_with(false, Security::Plain).await
    }

    /// Starts a server offering STARTTLS, and AUTH once the connection is secured.
    pub async fn start_starttls() -> (SmtpSink, TestCa) {
        let (acceptor, ca) = tls_for_localhost();
        (Self::start_with(true, Security::StartTls(acceptor)).await, ca)
    }

    /// Starts a server speaking TLS from the first byte.
    pub async fn start_implicit_tls() -> (SmtpSink, TestCa) {
        let (acceptor, ca) = tls_for_localhost();
        (Self::start_with(true, Security::Implicit(acceptor)).await, ca)
    }

    async fn start_with(keep: bool, security: Security) -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind smtp sink");
        let addr = listener.local_addr().expect("sink address");
        let shared = Arc::new(Mutex::new(Shared { keep, ..Shared::default() }));
        let state = shared.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                state.lock().expect("sink state").connections += 1;
                tokio::spawn(serve(stream, state.clone(), security.clone()));
            }
        });
        SmtpSink { addr, shared }
    }

    /// `smtp://127.0.0.1:<port>` for `SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Refuses mail until the client logs in as `user` with `password`.
    pub fn require_login(&self, user: &str, password: &str) {
        self.shared.lock().expect("sink state").login = Some((user.to_owned(), password.to_owned()));
    }

    /// Answers the next `n` messages with `reply` (after those already scripted).
    pub fn script(&self, n: usize, reply: Reply) {
        self.shared.lock().expect("sink state").script.extend(std::iter::repeat_n(reply, n));
    }

    /// Messages accepted so far.
    pub fn received(&self) -> Vec<ReceivedMail> {
        self.shared.lock().expect("sink state").received.clone()
    }

    /// Messages accepted so far (kept or not).
    pub fn count(&self) -> usize {
        self.shared.lock().expect("sink state").count
    }

    /// TCP connections opened so far (to check that the pool reuses them).
    pub fn connections(&self) -> usize {
        self.shared.lock().expect("sink state").connections
    }

    /// Waits until `count` messages have arrived, or panics after `timeout`.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if self.count() >= count {
                return self.received();
            }
            assert!(tokio::time::Instant::now() < deadline, "only {} of {count} mails arrived", self.count());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn serve(tcp: TcpStream, shared: Arc<Mutex<Shared>>, security: Security) -> std::io::Result<()> {
    match security {
        Security::Plain => session(tcp, &shared, Phase::Plain).await.map(drop),
        Security::Implicit(acceptor) => {
            let tls = acceptor.accept(tcp).await?;
            session(tls, &shared, Phase::Secured { greet: true }).await.map(drop)
        }
        Security::StartTls(acceptor) => {
            if let Some(tcp) = session(tcp, &shared, Phase::OfferingStartTls).await? {
                let tls = acceptor.accept(tcp).await?;
                // The client speaks first after STARTTLS (EHLO again).
                session(tls, &shared, Phase::Secured { greet: false }).await?;
            }
            Ok(())
        }
    }
}

/// Where a connection stands with TLS.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Plain,
    OfferingStartTls,
    Secured { greet: bool },
}

/// Runs the SMTP dialogue; hands the stream back when the client asks for STARTTLS.
async fn session<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    shared: &Mutex<Shared>,
    phase: Phase,
) -> std::io::Result<Option<S>> {
    let tls = matches!(phase, Phase::Secured { .. });
    let mut conn = BufReader::new(stream);
    if phase != (Phase::Secured { greet: false }) {
        conn.write_all(b"220 sink.test ESMTP\r\n").await?;
    }
    let (mut from, mut to, mut user) = (String::new(), Vec::new(), None);
    let mut line = String::new();
    loop {
        line.clear();
        if conn.read_line(&mut line).await? == 0 {
            return Ok(None);
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        let login = || shared.lock().expect("sink state").login.clone();
        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            let mut hello = String::from("250-sink.test\r\n250-8BITMIME\r\n");
            if phase == Phase::OfferingStartTls {
                hello.push_str("250-STARTTLS\r\n");
            }
            if tls {
                hello.push_str("250-AUTH PLAIN\r\n");
            }
            hello.push_str("250 SMTPUTF8\r\n");
            conn.write_all(hello.as_bytes()).await?;
            continue;
        } else if upper == "STARTTLS" && phase == Phase::OfferingStartTls {
            conn.write_all(b"220 2.0.0 ready to start TLS\r\n").await?;
            conn.flush().await?;
            return Ok(Some(conn.into_inner()));
        } else if upper.starts_with("AUTH PLAIN ") && tls {
            let given = base64::engine::general_purpose::STANDARD
                .decode(command["AUTH PLAIN ".len()..].trim())
                .ok()
                .and_then(|raw| String::from_utf8(raw).ok())
                .and_then(|plain| {
                    let mut parts = plain.split('\0').skip(1);
                    Some((parts.next()?.to_owned(), parts.next()?.to_owned()))
                });
            if given.is_some() && given == login() {
                user = given.map(|(u, _)| u);
                b"235 2.7.0 authenticated\r\n"
            } else {
                b"535 5.7.8 authentication credentials invalid\r\n"
            }
        } else if upper.starts_with("MAIL FROM:") && user.is_none() && login().is_some() {
            b"530 5.7.0 authentication required\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            from = address(&command);
            to.clear();
            b"250 2.1.0 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            to.push(address(&command));
            b"250 2.1.5 OK\r\n"
        } else if upper == "DATA" {
            conn.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
            let data = read_data(&mut conn).await?;
            let answer = shared.lock().expect("sink state").script.pop_front().unwrap_or(Reply::Accept);
            match answer {
                Reply::Accept => {
                    let mut state = shared.lock().expect("sink state");
                    state.count += 1;
                    if state.keep {
                        let mail = ReceivedMail {
                            from: from.clone(),
                            to: to.clone(),
                            data,
                            tls,
                            user: user.clone(),
                        };
                        state.received.push(mail);
                    }
                    b"250 2.0.0 queued\r\n"
                }
                Reply::Transient => b"451 4.3.0 try again later\r\n",
                Reply::Permanent => b"550 5.1.1 no such mailbox\r\n",
            }
        } else if upper == "RSET" || upper == "NOOP" {
            b"250 2.0.0 OK\r\n"
        } else if upper == "QUIT" {
            conn.write_all(b"221 2.0.0 bye\r\n").await?;
            return Ok(None);
        } else {
            b"502 5.5.2 command not recognised\r\n"
        };
        conn.write_all(reply).await?;
    }
}

/// A CA made for this run and an acceptor presenting a certificate it signed for `localhost`.
fn tls_for_localhost() -> (TlsAcceptor, TestCa) {
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "Test SMTP CA");
    let ca_key = rcgen::KeyPair::generate().expect("ca key");
    let ca_cert = ca_params.self_signed(&ca_key).expect("ca certificate");
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let key = rcgen::KeyPair::generate().expect("server key");
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .expect("server params")
        .signed_by(&key, &issuer)
        .expect("server certificate");
    let chain: Vec<CertificateDer<'static>> = vec![cert.der().clone()];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("tls versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("server tls config");
    (TlsAcceptor::from(Arc::new(config)), TestCa { pem: ca_cert.pem() })
}

fn address(command: &str) -> String {
    let start = command.find('<').map_or(0, |i| i + 1);
    let end = command[start..].find('>').map_or(command.len(), |i| start + i);
    command[start..end].to_owned()
}

async fn read_data<S: AsyncRead + Unpin>(lines: &mut BufReader<S>) -> std::io::Result<Vec<u8>> {
    let mut data = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if lines.read_until(b'\n', &mut line).await? == 0 {
            return Ok(data);
        }
        if line == b".\r\n" {
            return Ok(data);
        }
        let unstuffed = if line.starts_with(b"..") { &line[1..] } else { &line[..] };
        data.extend_from_slice(unstuffed);
    }
}
