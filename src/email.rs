//! Outgoing email behind the [`Mailer`] trait: real SMTP in production ([`SmtpMailer`]) and a
//! development outbox ([`OutboxMailer`]) that writes each message to a file and logs it, so a
//! developer can click a sign-in link without running a mail server.
//!
//! Both build the message with the same `build_message`, so an address the relay would refuse
//! is also refused in development.

use std::{path::PathBuf, sync::Arc, time::Duration};

use anyhow::Context;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Body, Mailbox, header::ContentTransferEncoding, header::ContentType},
    transport::smtp::authentication::Credentials,
};
use secrecy::ExposeSecret;

use crate::config::{Settings, SmtpSettings, SmtpTls};

/// The sender the development outbox uses when `EMAIL_FROM` is not set.
pub const DEFAULT_OUTBOX_FROM: &str = "OPS Desktop <ops-desktop@localhost>";

/// How long one SMTP command may take: a stuck relay must not hold a job worker for
/// lettre's default of a minute.
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

/// One plain-text message to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    /// The recipient: `someone@example.com` or `Name <someone@example.com>`.
    pub to: String,
    pub subject: String,
    /// The plain-text body; line endings are normalised to CRLF on the wire.
    pub text: String,
}

/// Sends email. Implementations are shared across tasks behind an `Arc<dyn Mailer>`.
#[async_trait::async_trait]
pub trait Mailer: Send + Sync {
    /// Delivers `email`, or explains why it could not (the caller decides whether to retry).
    async fn send(&self, email: &OutgoingEmail) -> anyhow::Result<()>;
}

/// Picks the mailer the settings call for: SMTP when a relay is configured, otherwise the
/// development outbox in `<data_dir>/outbox`.
pub fn mailer_from_settings(settings: &Settings) -> anyhow::Result<Arc<dyn Mailer>> {
    match &settings.smtp {
        Some(smtp) => {
            // Config validation requires EMAIL_FROM whenever EMAIL_SERVER_HOST is set.
            let from = settings
                .email_from
                .as_deref()
                .context("EMAIL_FROM is required when an SMTP relay is configured")?;
            Ok(Arc::new(SmtpMailer::new(smtp, from)?))
        }
        None => {
            let dir = settings.data_dir.join("outbox");
            if settings.is_production() {
                // The outbox logs whole messages, sign-in links included.
                tracing::warn!(
                    outbox = %dir.display(),
                    "no SMTP relay configured in production: email goes to the outbox and the log"
                );
            }
            let from = settings
                .email_from
                .as_deref()
                .unwrap_or(DEFAULT_OUTBOX_FROM);
            Ok(Arc::new(OutboxMailer::new(dir, from)?))
        }
    }
}

/// Parses a `From` or `To` value, naming which one was wrong.
fn parse_mailbox(value: &str, what: &str) -> anyhow::Result<Mailbox> {
    value
        .parse::<Mailbox>()
        .with_context(|| format!("{what} address `{value}` is not a valid mailbox"))
}

/// Builds the RFC 5322 message. `body` chooses the transfer encoding (see the callers).
fn build_message(from: &Mailbox, email: &OutgoingEmail, body: Body) -> anyhow::Result<Message> {
    Message::builder()
        .from(from.clone())
        .to(parse_mailbox(&email.to, "recipient")?)
        .subject(email.subject.clone())
        // Relays usually add a Message-ID, but some spam filters score its absence.
        .message_id(None)
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .context("building the email message")
}

/// Delivers through an SMTP relay with lettre.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// Builds the transport; nothing connects until the first [`Mailer::send`].
    pub fn new(settings: &SmtpSettings, from: &str) -> anyhow::Result<Self> {
        let from = parse_mailbox(from, "EMAIL_FROM")?;
        let host = settings.host.as_str();
        let builder = match settings.tls {
            SmtpTls::Implicit => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                .with_context(|| format!("setting up TLS for SMTP relay {host}"))?,
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .with_context(|| format!("setting up STARTTLS for SMTP relay {host}"))?,
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        };
        // `relay` and `starttls_relay` pick the standard ports; the configured one wins.
        let mut builder = builder.port(settings.port).timeout(Some(SMTP_TIMEOUT));
        if let Some(user) = &settings.user {
            // Config validation requires the user and password together.
            let password = settings
                .password
                .as_ref()
                .map(|password| password.expose_secret().to_string())
                .unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(SmtpMailer {
            transport: builder.build(),
            from,
        })
    }
}

#[async_trait::async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &OutgoingEmail) -> anyhow::Result<()> {
        // lettre picks 7bit, quoted-printable or base64, whichever is valid and shortest.
        let message = build_message(&self.from, email, Body::new(email.text.clone()))?;
        self.transport
            .send(message)
            .await
            .context("sending email over SMTP")?;
        tracing::info!(to = %email.to, subject = %email.subject, "email sent over SMTP");
        Ok(())
    }
}

/// The longest line RFC 5322 allows, without its CRLF.
const MAX_LINE_BYTES: usize = 998;

/// An 8bit body, so the file shows links verbatim instead of quoted-printable soft breaks.
/// lettre would refuse 8bit for any line of 76 bytes or more (its encoder targets 7bit
/// transports), so the body is handed over pre-encoded; only lines beyond RFC 5322's limit
/// fall back to lettre's own choice.
fn readable_body(text: &str) -> Body {
    let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
    if crlf.split("\r\n").all(|line| line.len() <= MAX_LINE_BYTES) {
        Body::dangerous_pre_encoded(crlf.into_bytes(), ContentTransferEncoding::EightBit)
    } else {
        // A `String`, not bytes: lettre encodes bytes as base64 unconditionally.
        Body::new(text.to_string())
    }
}

/// The development mailer: writes each message to `<dir>/<UTC time>-<UUIDv7>.eml` and logs it
/// in full, so the links in it can be clicked from the terminal.
pub struct OutboxMailer {
    dir: PathBuf,
    from: Mailbox,
}

impl OutboxMailer {
    /// An outbox in `dir` (created on first use) sending as `from`.
    pub fn new(dir: impl Into<PathBuf>, from: &str) -> anyhow::Result<Self> {
        Ok(OutboxMailer {
            dir: dir.into(),
            from: parse_mailbox(from, "EMAIL_FROM")?,
        })
    }

    /// The folder messages are written to.
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }
}

#[async_trait::async_trait]
impl Mailer for OutboxMailer {
    async fn send(&self, email: &OutgoingEmail) -> anyhow::Result<()> {
        let message = build_message(&self.from, email, readable_body(&email.text))?;
        let name = format!(
            "{}-{}.eml",
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ"),
            uuid::Uuid::now_v7()
        );
        let path = self.dir.join(name);
        let dir = self.dir.clone();
        let file = path.clone();
        // The tokio `fs` feature is not enabled; a blocking thread keeps the runtime free.
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            // Messages hold sign-in links: readable by the service's user only.
            crate::private_fs::create_dir_all(&dir)?;
            crate::private_fs::write_new_file(&file, &message.formatted())
        })
        .await
        .context("the outbox writer panicked")?
        .with_context(|| format!("writing {}", path.display()))?;
        tracing::info!(
            to = %email.to,
            subject = %email.subject,
            file = %path.display(),
            "email written to the development outbox:\n{}",
            email.text
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(text: &str) -> OutgoingEmail {
        OutgoingEmail {
            to: "Ada Lovelace <ada@example.com>".to_string(),
            subject: "Your sign-in link — Café".to_string(),
            text: text.to_string(),
        }
    }

    fn files_in(dir: &std::path::Path) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect();
        files.sort();
        files
    }

    #[tokio::test]
    async fn outbox_creates_its_folder_and_writes_one_readable_file_per_message() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("outbox");
        let mailer = OutboxMailer::new(&dir, DEFAULT_OUTBOX_FROM).unwrap();
        let url = format!(
            "http://127.0.0.1:3000/auth/verify?token={}",
            "0123456789abcdef".repeat(4)
        );
        let text = format!("Hello Ada,\n\nSign in with this link: {url}\n\nCafé crème.");

        mailer.send(&email(&text)).await.unwrap();
        mailer.send(&email("second")).await.unwrap();

        let files = files_in(&dir);
        assert_eq!(files.len(), 2, "{files:?}");
        let name = files[0].file_name().unwrap().to_str().unwrap();
        assert!(name.ends_with(".eml"), "{name}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode =
                |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(
                mode(&dir),
                0o700,
                "sign-in links are for the service's user only"
            );
            assert_eq!(mode(&files[0]), 0o600);
        }
        let written = std::fs::read_to_string(&files[0]).unwrap();
        // The file is a real message: CRLF line endings, 8bit body kept verbatim.
        assert!(written.contains(&text.replace('\n', "\r\n")), "{written}");
        assert!(
            written.contains("To: \"Ada Lovelace\" <ada@example.com>\r\n"),
            "{written}"
        );
        assert!(
            written.contains("From: \"OPS Desktop\" <ops-desktop@localhost>\r\n"),
            "{written}"
        );
        assert!(
            written.contains("Content-Transfer-Encoding: 8bit\r\n"),
            "{written}"
        );
        assert!(written.contains("Subject: Your sign-in link "), "{written}");
    }

    #[tokio::test]
    async fn outbox_encodes_a_body_with_an_overlong_line_instead_of_failing() {
        let temp = tempfile::tempdir().unwrap();
        let mailer = OutboxMailer::new(temp.path(), "ops@example.com").unwrap();
        mailer.send(&email(&"x".repeat(2_000))).await.unwrap();
        let written = std::fs::read_to_string(&files_in(temp.path())[0]).unwrap();
        assert!(!written.contains("8bit"), "{written}");
    }

    #[tokio::test]
    async fn an_invalid_recipient_is_an_error_and_writes_nothing() {
        let temp = tempfile::tempdir().unwrap();
        let mailer = OutboxMailer::new(temp.path(), "ops@example.com").unwrap();
        let mut bad = email("hi");
        bad.to = "not an address".to_string();
        let error = mailer.send(&bad).await.unwrap_err();
        assert!(format!("{error:#}").contains("not an address"), "{error:#}");
        assert!(files_in(temp.path()).is_empty());
    }

    #[test]
    fn an_invalid_from_address_is_refused_up_front() {
        assert!(OutboxMailer::new("outbox", "nobody").is_err());
        let smtp = SmtpSettings {
            host: "127.0.0.1".to_string(),
            port: 2525,
            tls: SmtpTls::None,
            user: None,
            password: None,
        };
        assert!(SmtpMailer::new(&smtp, "nobody").is_err());
        assert!(SmtpMailer::new(&smtp, "OPS Desktop <ops@example.com>").is_ok());
    }

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        let vars = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_map(&vars).expect("valid settings")
    }

    #[tokio::test]
    async fn without_smtp_settings_mail_goes_to_the_outbox_in_the_data_folder() {
        let temp = tempfile::tempdir().unwrap();
        let data_dir = temp.path().to_str().unwrap();
        let mailer = mailer_from_settings(&settings(&[("OPS_DATA_DIR", data_dir)])).unwrap();
        mailer.send(&email("hello")).await.unwrap();
        let written = std::fs::read_to_string(&files_in(&temp.path().join("outbox"))[0]).unwrap();
        assert!(written.contains(DEFAULT_OUTBOX_FROM.split('<').nth(1).unwrap()));
    }

    #[test]
    fn with_smtp_settings_the_mailer_is_built_without_connecting() {
        let settings = settings(&[
            ("EMAIL_SERVER_HOST", "smtp.example.com"),
            ("EMAIL_FROM", "OPS Desktop <ops@example.com>"),
        ]);
        assert!(settings.smtp.is_some());
        assert!(mailer_from_settings(&settings).is_ok());
    }
}
