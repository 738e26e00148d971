//! A real SMTP server for tests: speaks enough ESMTP for lettre over TCP,
//! records what it accepts, and can be told to refuse the next messages.
use std::{
    collections::VecDeque,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
};

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// The raw message (headers and body), dot-stuffing undone.
    pub data: Vec<u8>,
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

#[derive(Default)]
struct Shared {
    /// When false, messages are only counted (benchmarks: no memory growth).
    keep: bool,
    count: usize,
    received: Vec<ReceivedMail>,
    script: VecDeque<Reply>,
    connections: usize,
}

/// A running sink on 127.0.0.1 and a random port.
#[derive(Clone)]
pub struct SmtpSink {
    pub addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
}

impl SmtpSink {
    /// Starts the server in the background; it keeps every message.
    pub async fn start() -> SmtpSink {
        Self::start_with(true).await
    }

    /// Starts a server that only counts messages.
    pub async fn start_counting() -> SmtpSink {
        Self::start_with(false).await
    }

    async fn start_with(keep: bool) -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind smtp sink");
        let addr = listener.local_addr().expect("sink address");
        let shared = Arc::new(Mutex::new(Shared { keep, ..Shared::default() }));
        let state = shared.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                state.lock().expect("sink state").connections += 1;
                tokio::spawn(session(stream, state.clone()));
            }
        });
        SmtpSink { addr, shared }
    }

    /// `smtp://127.0.0.1:<port>` for `SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
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

async fn session(stream: TcpStream, shared: Arc<Mutex<Shared>>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            from = address(&command);
            to.clear();
            b"250 2.1.0 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            to.push(address(&command));
            b"250 2.1.5 OK\r\n"
        } else if upper == "DATA" {
            write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
            let data = read_data(&mut lines).await?;
            let answer = shared.lock().expect("sink state").script.pop_front().unwrap_or(Reply::Accept);
            match answer {
                Reply::Accept => {
                    let mut state = shared.lock().expect("sink state");
                    state.count += 1;
                    if state.keep {
                        state.received.push(ReceivedMail { from: from.clone(), to: to.clone(), data });
                    }
                    b"250 2.0.0 queued\r\n"
                }
                Reply::Transient => b"451 4.3.0 try again later\r\n",
                Reply::Permanent => b"550 5.1.1 no such mailbox\r\n",
            }
        } else if upper == "RSET" || upper == "NOOP" {
            b"250 2.0.0 OK\r\n"
        } else if upper == "QUIT" {
            write.write_all(b"221 2.0.0 bye\r\n").await?;
            return Ok(());
        } else {
            b"502 5.5.2 command not recognised\r\n"
        };
        write.write_all(reply).await?;
    }
}

fn address(command: &str) -> String {
    let start = command.find('<').map_or(0, |i| i + 1);
    let end = command[start..].find('>').map_or(command.len(), |i| start + i);
    command[start..end].to_owned()
}

async fn read_data(lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> std::io::Result<Vec<u8>> {
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
