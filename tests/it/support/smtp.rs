//! A real SMTP server on loopback for tests: enough RFC 5321 for lettre's client without TLS
//! (EHLO/HELO, optional AUTH PLAIN or LOGIN accepting any credentials, MAIL, RCPT, DATA, RSET,
//! NOOP, QUIT), recording every message so a test can read the link a mail carries.
//!
//! [`ReceivedMail`] undoes what lettre does to a single-part text message (RFC 2047 encoded
//! words in headers; 7bit, 8bit, quoted-printable or base64 bodies) with the decoders in
//! `smtp/decode.rs`.

use std::{
    net::{Ipv4Addr, SocketAddr},
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    sync::watch,
    task::{JoinHandle, JoinSet},
};

use self::decode::{decode_base64, decode_encoded_words, decode_quoted_printable};

mod decode;

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// The envelope sender (`MAIL FROM`), without angle brackets.
    pub from: String,
    /// The envelope recipients (`RCPT TO`), without angle brackets.
    pub to: Vec<String>,
    /// The message as sent after `DATA`: headers and encoded body, CRLF line endings, dot
    /// stuffing removed.
    pub data: String,
    /// The user and password of a successful `AUTH`, if the client authenticated.
    pub credentials: Option<(String, String)>,
}

#[derive(Default)]
struct Mailbox {
    mails: Vec<ReceivedMail>,
    /// Whether `wait_for_mail` already returned the message at the same index.
    taken: Vec<bool>,
}

/// The running server; it stops (with every open connection) when dropped.
pub struct SmtpServer {
    pub port: u16,
    mailbox: Arc<Mutex<Mailbox>>,
    arrivals: watch::Receiver<usize>,
    task: JoinHandle<()>,
}

impl SmtpServer {
    /// Binds `127.0.0.1:0` and starts accepting connections.
    pub async fn start() -> SmtpServer {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .expect("binding the test SMTP server");
        let port = listener.local_addr().unwrap().port();
        let mailbox = Arc::new(Mutex::new(Mailbox::default()));
        let (arrived, arrivals) = watch::channel(0);
        let arrived = Arc::new(arrived);
        let shared = mailbox.clone();
        let task = tokio::spawn(async move {
            // Owned by this task, so aborting it also aborts every connection.
            let mut connections = JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                while connections.try_join_next().is_some() {}
                connections.spawn(serve(stream, shared.clone(), arrived.clone()));
            }
        });
        SmtpServer {
            port,
            mailbox,
            arrivals,
            task,
        }
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.mailbox.lock().unwrap().mails.clone()
    }

    /// The oldest message to `to` (an envelope address, compared without case) that no earlier
    /// call returned, waiting up to `timeout` for it; panics when none arrives in time.
    pub async fn wait_for_mail(&self, to: &str, timeout: Duration) -> ReceivedMail {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut arrivals = self.arrivals.clone();
        loop {
            arrivals.borrow_and_update();
            if let Some(mail) = self.take_first_to(to) {
                return mail;
            }
            if tokio::time::timeout_at(deadline, arrivals.changed())
                .await
                .is_err()
            {
                let seen: Vec<Vec<String>> =
                    self.messages().into_iter().map(|mail| mail.to).collect();
                panic!(
                    "no new email to {to} within {timeout:?}; recipients of all received mail: {seen:?}"
                );
            }
        }
    }

    fn take_first_to(&self, to: &str) -> Option<ReceivedMail> {
        let mut mailbox = self.mailbox.lock().unwrap();
        let Mailbox { mails, taken } = &mut *mailbox;
        let index = mails.iter().zip(taken.iter()).position(|(mail, taken)| {
            !taken && mail.to.iter().any(|rcpt| rcpt.eq_ignore_ascii_case(to))
        })?;
        taken[index] = true;
        Some(mails[index].clone())
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The state of one SMTP session.
#[derive(Default)]
struct Session {
    from: Option<String>,
    to: Vec<String>,
    credentials: Option<(String, String)>,
}

async fn serve(
    stream: TcpStream,
    mailbox: Arc<Mutex<Mailbox>>,
    arrived: Arc<watch::Sender<usize>>,
) {
    // An I/O error only means the client went away; the test sees the missing mail instead.
    let _ = converse(stream, &mailbox, &arrived).await;
}

async fn converse(
    stream: TcpStream,
    mailbox: &Mutex<Mailbox>,
    arrived: &watch::Sender<usize>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let mut session = Session::default();
    write
        .write_all(b"220 127.0.0.1 ESMTP ops-desktop test server\r\n")
        .await?;
    while let Some(line) = read_line(&mut lines).await? {
        let (verb, argument) = match line.split_once(' ') {
            Some((verb, argument)) => (verb.to_ascii_uppercase(), argument.trim()),
            None => (line.trim().to_ascii_uppercase(), ""),
        };
        let reply: String = match verb.as_str() {
            // 8BITMIME and SMTPUTF8 so that lettre sends what it would send to a real relay;
            // no STARTTLS, since this server speaks only plain text.
            "EHLO" => "250-127.0.0.1 greets you\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n\
                       250 AUTH PLAIN LOGIN"
                .into(),
            "HELO" => "250 127.0.0.1".into(),
            "AUTH" => match authenticate(argument, &mut lines, &mut write).await? {
                Some(credentials) => {
                    session.credentials = Some(credentials);
                    "235 2.7.0 authenticated".into()
                }
                None => "501 5.5.4 malformed AUTH".into(),
            },
            "MAIL" => match address_after(argument, "FROM:") {
                Some(from) => {
                    session.from = Some(from);
                    session.to.clear();
                    "250 2.1.0 OK".into()
                }
                None => "501 5.5.4 expected MAIL FROM:<address>".into(),
            },
            "RCPT" if session.from.is_none() => "503 5.5.1 MAIL first".into(),
            "RCPT" => match address_after(argument, "TO:") {
                Some(to) => {
                    session.to.push(to);
                    "250 2.1.5 OK".into()
                }
                None => "501 5.5.4 expected RCPT TO:<address>".into(),
            },
            "DATA" if session.to.is_empty() => "503 5.5.1 RCPT first".into(),
            "DATA" => {
                write
                    .write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let data = read_data(&mut lines).await?;
                let mail = ReceivedMail {
                    from: session.from.take().unwrap_or_default(),
                    to: std::mem::take(&mut session.to),
                    data,
                    credentials: session.credentials.clone(),
                };
                {
                    let mut mailbox = mailbox.lock().unwrap();
                    mailbox.mails.push(mail);
                    mailbox.taken.push(false);
                }
                arrived.send_modify(|count| *count += 1);
                "250 2.0.0 queued".into()
            }
            "RSET" => {
                session.from = None;
                session.to.clear();
                "250 2.0.0 OK".into()
            }
            "NOOP" => "250 2.0.0 OK".into(),
            "QUIT" => {
                write.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            }
            _ => "502 5.5.2 command not implemented".into(),
        };
        write.write_all(format!("{reply}\r\n").as_bytes()).await?;
    }
    Ok(())
}

/// One line without its CRLF (bytes as UTF-8, lossily), or `None` at end of stream.
async fn read_line(
    lines: &mut BufReader<impl tokio::io::AsyncRead + Unpin>,
) -> std::io::Result<Option<String>> {
    let mut raw = Vec::new();
    if lines.read_until(b'\n', &mut raw).await? == 0 {
        return Ok(None);
    }
    while matches!(raw.last(), Some(b'\n' | b'\r')) {
        raw.pop();
    }
    Ok(Some(String::from_utf8_lossy(&raw).into_owned()))
}

/// Reads the message up to the lone `.` line, undoing dot stuffing (RFC 5321 §4.5.2).
async fn read_data(
    lines: &mut BufReader<impl tokio::io::AsyncRead + Unpin>,
) -> std::io::Result<String> {
    let mut data = String::new();
    loop {
        let Some(line) = read_line(lines).await? else {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        };
        if line == "." {
            return Ok(data);
        }
        data.push_str(line.strip_prefix('.').unwrap_or(&line));
        data.push_str("\r\n");
    }
}

/// `FROM:<a@b> BODY=8BITMIME` → `a@b`; `None` when the keyword is missing.
fn address_after(argument: &str, keyword: &str) -> Option<String> {
    let rest = argument.get(..keyword.len())?;
    if !rest.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let path = argument[keyword.len()..].trim_start();
    let path = path.split_whitespace().next().unwrap_or_default();
    Some(
        path.trim_start_matches('<')
            .trim_end_matches('>')
            .to_string(),
    )
}

/// Runs the AUTH exchange for PLAIN (with or without an initial response) or LOGIN, accepting
/// any credentials. `None` when the client's answers do not parse.
async fn authenticate(
    argument: &str,
    lines: &mut BufReader<impl tokio::io::AsyncRead + Unpin>,
    write: &mut (impl tokio::io::AsyncWrite + Unpin),
) -> std::io::Result<Option<(String, String)>> {
    let mut words = argument.split_whitespace();
    let mechanism = words.next().unwrap_or_default().to_ascii_uppercase();
    let initial = words.next().map(str::to_string);
    let mut ask = async |challenge: &str| -> std::io::Result<Option<String>> {
        write
            .write_all(format!("334 {challenge}\r\n").as_bytes())
            .await?;
        read_line(lines).await
    };
    let decoded = |text: Option<String>| -> Option<String> {
        String::from_utf8(decode_base64(text?.trim())?).ok()
    };
    Ok(match mechanism.as_str() {
        "PLAIN" => {
            let response = match initial {
                Some(initial) => Some(initial),
                None => ask("").await?,
            };
            // authorisation identity NUL user NUL password
            decoded(response).and_then(|plain| {
                let mut parts = plain.split('\0').skip(1);
                Some((parts.next()?.to_string(), parts.next()?.to_string()))
            })
        }
        "LOGIN" => {
            let user = decoded(ask("VXNlcm5hbWU6").await?); // "Username:"
            let password = decoded(ask("UGFzc3dvcmQ6").await?); // "Password:"
            user.zip(password)
        }
        _ => None,
    })
}

impl ReceivedMail {
    /// The raw header section, unfolded (continuation lines joined to their header).
    fn header_lines(&self) -> Vec<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or_default();
        let mut headers: Vec<String> = Vec::new();
        for line in head.split("\r\n") {
            match (line.starts_with([' ', '\t']), headers.last_mut()) {
                (true, Some(last)) => last.push_str(line),
                _ => headers.push(line.to_string()),
            }
        }
        headers
    }

    /// The value of header `name` (case-insensitive), unfolded but still encoded.
    pub fn header(&self, name: &str) -> Option<String> {
        self.header_lines().into_iter().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
    }

    /// The `Subject` with RFC 2047 encoded words decoded.
    pub fn subject(&self) -> String {
        decode_encoded_words(&self.header("Subject").unwrap_or_default())
    }

    /// The body with its `Content-Transfer-Encoding` undone, as text with `\n` line endings.
    /// The CRLF that ends the last line on the wire is dropped, so a body sent without a final
    /// newline (as lettre sends a `String`) comes back exactly as it was written.
    pub fn body_text(&self) -> String {
        let body = self
            .data
            .split_once("\r\n\r\n")
            .map_or("", |(_, body)| body);
        let body = body.strip_suffix("\r\n").unwrap_or(body);
        let encoding = self
            .header("Content-Transfer-Encoding")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let bytes = match encoding.as_str() {
            "quoted-printable" => decode_quoted_printable(body),
            "base64" => decode_base64(body).expect("the base64 body does not decode"),
            _ => body.as_bytes().to_vec(),
        };
        String::from_utf8(bytes)
            .expect("the body is not UTF-8")
            .replace("\r\n", "\n")
    }
}
