//! `SmtpMailer` against the loopback SMTP server: links survive the transfer encoding lettre
//! picks, UTF-8 survives in subject and body, and credentials reach the relay.

use std::time::Duration;

use ops_desktop::{
    config::{SmtpSettings, SmtpTls},
    email::{Mailer, OutgoingEmail, SmtpMailer},
};
use secrecy::SecretString;

use crate::support::smtp::SmtpServer;

const WAIT: Duration = Duration::from_secs(10);
const FROM: &str = "OPS Desktop <ops@example.com>";

fn plain_smtp(server: &SmtpServer) -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".to_string(),
        port: server.port,
        tls: SmtpTls::None,
        user: None,
        password: None,
    }
}

fn sign_in_url() -> String {
    format!(
        "http://127.0.0.1:1234/auth/verify?token={}",
        "0123456789abcdef".repeat(4)
    )
}

#[tokio::test]
async fn a_long_sign_in_link_arrives_intact_through_quoted_printable() {
    let server = SmtpServer::start().await;
    let mailer = SmtpMailer::new(&plain_smtp(&server), FROM).unwrap();
    let url = sign_in_url();
    mailer
        .send(&OutgoingEmail {
            to: "ada@example.com".to_string(),
            subject: "Your sign-in link".to_string(),
            text: format!("Hello,\n\nSign in with this link:\n{url}\n\nIt works for 15 minutes."),
        })
        .await
        .unwrap();

    let mail = server.wait_for_mail("ada@example.com", WAIT).await;
    assert_eq!(mail.from, "ops@example.com");
    assert_eq!(mail.to, vec!["ada@example.com".to_string()]);
    assert!(mail.credentials.is_none());
    assert_eq!(mail.header("Subject").as_deref(), Some("Your sign-in link"));
    assert!(mail.header("Message-ID").is_some(), "{}", mail.data);
    // The link's line is over 76 characters, so lettre cannot send 7bit: it soft-wraps the
    // line with quoted-printable, which a naive search of the raw data would trip over.
    assert_eq!(
        mail.header("Content-Transfer-Encoding").as_deref(),
        Some("quoted-printable")
    );
    assert!(!mail.data.contains(&url), "{}", mail.data);
    let body = mail.body_text();
    assert!(body.contains(&url), "{body}");
    assert!(body.starts_with("Hello,\n\nSign in"), "{body}");
}

#[tokio::test]
async fn utf8_subject_and_body_survive() {
    let server = SmtpServer::start().await;
    let mailer = SmtpMailer::new(&plain_smtp(&server), FROM).unwrap();
    let cases = [
        // Mostly ASCII: quoted-printable.
        (
            "Café crème at 10:00",
            "Meet at the Café, crème brûlée after.",
            "quoted-printable",
        ),
        // Mostly multi-byte: base64 is the shorter encoding.
        (
            "日本語の件名",
            "こんにちは、世界。カフェで会いましょう。",
            "base64",
        ),
    ];
    for (subject, text, encoding) in cases {
        mailer
            .send(&OutgoingEmail {
                to: "Zoë <zoe@example.com>".to_string(),
                subject: subject.to_string(),
                text: text.to_string(),
            })
            .await
            .unwrap();
        let mail = server.wait_for_mail("ZOE@example.com", WAIT).await;
        assert_eq!(mail.subject(), subject, "{}", mail.data);
        assert_eq!(mail.body_text(), text, "{}", mail.data);
        assert_eq!(
            mail.header("Content-Transfer-Encoding").as_deref(),
            Some(encoding)
        );
    }
    assert_eq!(server.messages().len(), 2);
}

#[tokio::test]
async fn credentials_are_sent_with_auth() {
    let server = SmtpServer::start().await;
    let settings = SmtpSettings {
        user: Some("mailer".to_string()),
        password: Some(SecretString::from("s3cret pass")),
        ..plain_smtp(&server)
    };
    let mailer = SmtpMailer::new(&settings, "ops@example.com").unwrap();
    mailer
        .send(&OutgoingEmail {
            to: "bob@example.com".to_string(),
            subject: "Hi".to_string(),
            text: "short".to_string(),
        })
        .await
        .unwrap();
    let mail = server.wait_for_mail("bob@example.com", WAIT).await;
    assert_eq!(
        mail.credentials,
        Some(("mailer".to_string(), "s3cret pass".to_string()))
    );
    assert_eq!(mail.body_text(), "short");
}

#[tokio::test]
async fn an_unreachable_relay_is_an_error_not_a_hang() {
    let server = SmtpServer::start().await;
    let settings = plain_smtp(&server);
    drop(server);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mailer = SmtpMailer::new(&settings, FROM).unwrap();
    let sent = tokio::time::timeout(
        Duration::from_secs(15),
        mailer.send(&OutgoingEmail {
            to: "ada@example.com".to_string(),
            subject: "lost".to_string(),
            text: "lost".to_string(),
        }),
    )
    .await
    .expect("send gave up within the SMTP timeout");
    assert!(sent.is_err());
}
