//! The rules of the variables for outside services: the SMTP relay and the HighLevel API.

use secrecy::SecretString;

use super::{ConfigReport, GhlApiSettings, SmtpSettings, SmtpTls, rules::Lookup};

pub(super) fn looks_like_mailbox(value: &str) -> bool {
    let address = match (value.find('<'), value.rfind('>')) {
        (Some(open), Some(close)) if open < close => &value[open + 1..close],
        _ => value,
    };
    let mut parts = address.trim().splitn(2, '@');
    let local = parts.next().unwrap_or_default();
    let domain = parts.next().unwrap_or_default();
    !local.is_empty() && domain.contains('.') && !address.contains(char::is_whitespace)
}

pub(super) fn read_smtp(
    lookup: Lookup<'_>,
    report: &mut ConfigReport,
    has_from: bool,
) -> Option<SmtpSettings> {
    let host = lookup("EMAIL_SERVER_HOST");
    let port = lookup("EMAIL_SERVER_PORT");
    let tls = lookup("EMAIL_SERVER_TLS");
    let user = lookup("EMAIL_SERVER_USER");
    let password = lookup("EMAIL_SERVER_PASSWORD");
    let Some(host) = host else {
        for (name, value) in [
            ("EMAIL_SERVER_PORT", &port),
            ("EMAIL_SERVER_TLS", &tls),
            ("EMAIL_SERVER_USER", &user),
            ("EMAIL_SERVER_PASSWORD", &password),
        ] {
            if value.is_some() {
                report.add(name, "is set but EMAIL_SERVER_HOST is not");
            }
        }
        return None;
    };
    let port = match port {
        None => 587,
        Some(raw) => raw
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .unwrap_or_else(|| {
                report.add("EMAIL_SERVER_PORT", "must be a port number (1-65535)");
                587
            }),
    };
    let tls = match tls.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None if port == 465 => SmtpTls::Implicit,
        None | Some("starttls") => SmtpTls::StartTls,
        Some("tls") => SmtpTls::Implicit,
        Some("none") => SmtpTls::None,
        Some(other) => {
            report.add(
                "EMAIL_SERVER_TLS",
                format!("must be `starttls`, `tls` or `none`, not `{other}`"),
            );
            SmtpTls::StartTls
        }
    };
    if user.is_some() != password.is_some() {
        report.add(
            "EMAIL_SERVER_USER",
            "EMAIL_SERVER_USER and EMAIL_SERVER_PASSWORD must be set together",
        );
    }
    if !has_from {
        report.add("EMAIL_FROM", "is required when EMAIL_SERVER_HOST is set");
    }
    Some(SmtpSettings {
        host,
        port,
        tls,
        user,
        password: password.map(SecretString::from),
    })
}

pub(super) fn read_ghl_api(
    lookup: Lookup<'_>,
    report: &mut ConfigReport,
) -> Option<GhlApiSettings> {
    match (lookup("GHL_API_KEY"), lookup("GHL_LOCATION_ID")) {
        (Some(key), Some(location_id)) => Some(GhlApiSettings {
            api_key: SecretString::from(key),
            location_id,
        }),
        (None, None) => None,
        (Some(_), None) => {
            report.add("GHL_LOCATION_ID", "is required when GHL_API_KEY is set");
            None
        }
        (None, Some(_)) => {
            report.add("GHL_API_KEY", "is required when GHL_LOCATION_ID is set");
            None
        }
    }
}
