//! The rules each variable must meet (docs/PRODUCT.md §9, §10), with a unit test for every rule.

use std::{net::SocketAddr, path::PathBuf, str::FromStr};

use chrono_tz::Tz;
use secrecy::SecretString;
use url::Url;

use super::backup::read_backup;
use super::external::{looks_like_mailbox, read_ghl_api, read_smtp};
use super::{
    ConfigReport, DEFAULT_BIND_ADDR, DEFAULT_DATABASE_URL, DEFAULT_GHL_API_BASE, DatabaseUrl,
    Environment, LogFormat, Settings,
};

pub(super) type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Reads and checks every variable, then either builds [`Settings`] or returns all problems.
pub(super) fn build(lookup: Lookup<'_>) -> Result<Settings, ConfigReport> {
    let mut report = ConfigReport::default();

    let environment = parse_or(lookup, &mut report, "OPS_ENV", Environment::Development);
    let production = environment == Environment::Production;

    let database_url = parse_database_url(
        &lookup("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string()),
    )
    .unwrap_or_else(|message| {
        report.add("DATABASE_URL", message);
        fallback_database_url()
    });

    let bind_addr: SocketAddr = lookup("BIND_ADDR")
        .unwrap_or_else(|| DEFAULT_BIND_ADDR.to_string())
        .parse()
        .unwrap_or_else(|_| {
            report.add(
                "BIND_ADDR",
                "must be an address and port such as 127.0.0.1:3000 or 0.0.0.0:8080",
            );
            DEFAULT_BIND_ADDR
                .parse()
                .expect("default bind address parses")
        });

    let auth_url = match lookup("AUTH_URL") {
        Some(raw) => parse_http_url(&raw).unwrap_or_else(|message| {
            report.add("AUTH_URL", message);
            default_auth_url(bind_addr)
        }),
        None => {
            if production {
                report.add(
                    "AUTH_URL",
                    "is required in production (the public https address people use)",
                );
            }
            default_auth_url(bind_addr)
        }
    };

    let timezone = lookup("OPS_TIMEZONE")
        .map(|name| {
            Tz::from_str(&name).unwrap_or_else(|_| {
                report.add(
                    "OPS_TIMEZONE",
                    format!("`{name}` is not an IANA time zone name such as Europe/London"),
                );
                Tz::UTC
            })
        })
        .unwrap_or(Tz::UTC);

    let log_level = lookup("LOG_LEVEL").unwrap_or_else(|| "info".to_string());
    if tracing_subscriber::EnvFilter::try_new(&log_level).is_err() {
        report.add(
            "LOG_LEVEL",
            "must be a level (error, warn, info, debug, trace) or a filter such as `info,ops_desktop=debug`",
        );
    }

    let default_format = if production {
        LogFormat::Json
    } else {
        LogFormat::Pretty
    };
    let log_format = match lookup("LOG_FORMAT").map(|v| v.to_ascii_lowercase()) {
        None => default_format,
        Some(v) if v == "pretty" => LogFormat::Pretty,
        Some(v) if v == "json" => LogFormat::Json,
        Some(other) => {
            report.add(
                "LOG_FORMAT",
                format!("must be `pretty` or `json`, not `{other}`"),
            );
            default_format
        }
    };

    let data_dir = PathBuf::from(lookup("OPS_DATA_DIR").unwrap_or_else(|| "data".to_string()));

    let backup = read_backup(lookup, &mut report, production, &data_dir);

    let email_from = lookup("EMAIL_FROM");
    if let Some(from) = &email_from {
        if !looks_like_mailbox(from) {
            report.add(
                "EMAIL_FROM",
                "must be an address such as ops@example.com or `OPS Desktop <ops@example.com>`",
            );
        }
    } else if production {
        report.add(
            "EMAIL_FROM",
            "is required in production (sign-in links are sent from it)",
        );
    }

    let smtp = read_smtp(lookup, &mut report, email_from.is_some());
    let ghl_api = read_ghl_api(lookup, &mut report);

    let ghl_api_base = lookup("GHL_API_BASE")
        .map(|raw| {
            parse_http_url(&raw).unwrap_or_else(|message| {
                report.add("GHL_API_BASE", message);
                Url::parse(DEFAULT_GHL_API_BASE).expect("default GHL base parses")
            })
        })
        .unwrap_or_else(|| Url::parse(DEFAULT_GHL_API_BASE).expect("default GHL base parses"));

    let demo_mode = parse_or(lookup, &mut report, "DEMO_MODE", Flag(false)).0;
    if production && demo_mode {
        report.add(
            "DEMO_MODE",
            "must not be true in production (demo users have published passwords)",
        );
    }

    let (session_idle_minutes, session_max_minutes) = super::sessions::read(lookup, &mut report);

    let ghl_webhook_public_key = lookup("GHL_WEBHOOK_PUBLIC_KEY");
    if let Some(raw) = &ghl_webhook_public_key
        && let Err(message) = crate::integrations::ghl::signature::parse_public_key(raw)
    {
        report.add("GHL_WEBHOOK_PUBLIC_KEY", message);
    }

    let settings = Settings {
        environment,
        database_url,
        bind_addr,
        auth_url,
        timezone,
        log_level,
        log_format,
        data_dir,
        email_from,
        smtp,
        ghl_api,
        ghl_api_base,
        ghl_webhook_secret: lookup("GHL_WEBHOOK_SECRET").map(SecretString::from),
        ghl_webhook_public_key,
        demo_mode,
        session_idle_minutes,
        session_max_minutes,
        rate_limit_signin_per_minute: positive(
            lookup,
            &mut report,
            "RATE_LIMIT_SIGNIN_PER_MINUTE",
            10,
        ),
        rate_limit_signin_account_per_minute: positive(
            lookup,
            &mut report,
            "RATE_LIMIT_SIGNIN_ACCOUNT_PER_MINUTE",
            50,
        ),
        rate_limit_signin_address_per_minute: positive(
            lookup,
            &mut report,
            "RATE_LIMIT_SIGNIN_ADDRESS_PER_MINUTE",
            50,
        ),
        rate_limit_api_per_minute: positive(lookup, &mut report, "RATE_LIMIT_API_PER_MINUTE", 600),
        trusted_proxies: super::network::read_trusted_proxies(lookup, &mut report),
        metrics_token: lookup("METRICS_TOKEN").map(SecretString::from),
        backup,
        timeouts: super::timeouts::read(lookup, &mut report),
    };

    if production {
        super::production::check(&settings, &mut report);
    }
    if report.is_empty() {
        Ok(settings)
    } else {
        Err(report)
    }
}

/// Parses `DATABASE_URL`, naming the two schemes that work when it is anything else.
pub fn parse_database_url(raw: &str) -> Result<DatabaseUrl, String> {
    let raw = raw.trim();
    if let Some(rest) = raw
        .strip_prefix("sqlite://")
        .or(raw.strip_prefix("sqlite:"))
    {
        let path = rest.split('?').next().unwrap_or_default();
        if path.is_empty() || path == ":memory:" {
            return Err("needs a file path, e.g. sqlite://data/ops-desktop.db".to_string());
        }
        return Ok(DatabaseUrl::Sqlite {
            url: raw.to_string(),
            path: PathBuf::from(path),
        });
    }
    if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
        return match Url::parse(raw) {
            Ok(url) if url.host_str().is_some() => Ok(DatabaseUrl::Postgres {
                url: SecretString::from(raw.to_string()),
            }),
            _ => Err("is not a valid PostgreSQL URL (postgres://user@host:5432/name)".to_string()),
        };
    }
    let scheme = raw.split(':').next().unwrap_or_default();
    Err(format!(
        "scheme `{scheme}` is not supported: use sqlite://path/to/file.db or postgres://user@host/name"
    ))
}

fn fallback_database_url() -> DatabaseUrl {
    parse_database_url(DEFAULT_DATABASE_URL).expect("default database URL parses")
}

fn default_auth_url(bind_addr: SocketAddr) -> Url {
    Url::parse(&format!("http://{bind_addr}")).expect("socket address makes a URL")
}

fn parse_http_url(raw: &str) -> Result<Url, String> {
    match Url::parse(raw) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => Ok(url),
        _ => Err(format!(
            "`{raw}` is not an http(s) URL such as https://ops.example.com"
        )),
    }
}

/// A boolean variable: true/false, 1/0, yes/no, on/off.
#[derive(Clone, Copy)]
struct Flag(bool);

impl FromStr for Flag {
    type Err = String;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(Flag(true)),
            "false" | "0" | "no" | "off" => Ok(Flag(false)),
            other => Err(format!("must be true or false, not `{other}`")),
        }
    }
}

fn parse_or<T: FromStr<Err = String>>(
    lookup: Lookup<'_>,
    report: &mut ConfigReport,
    name: &'static str,
    default: T,
) -> T {
    match lookup(name) {
        None => default,
        Some(raw) => raw.trim().parse().unwrap_or_else(|message| {
            report.add(name, message);
            default
        }),
    }
}

pub(super) fn positive(
    lookup: Lookup<'_>,
    report: &mut ConfigReport,
    name: &'static str,
    default: u32,
) -> u32 {
    match lookup(name) {
        None => default,
        Some(raw) => raw
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .unwrap_or_else(|| {
                report.add(name, format!("must be a whole number above 0, not `{raw}`"));
                default
            }),
    }
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;

#[cfg(test)]
mod ghl_key_tests {
    use std::collections::HashMap;

    use crate::{config::Settings, integrations::ghl::signature::PUBLISHED_PUBLIC_KEY};

    fn with_key(key: &str) -> Result<Settings, crate::config::ConfigReport> {
        Settings::from_map(&HashMap::from([(
            "GHL_WEBHOOK_PUBLIC_KEY".to_string(),
            key.to_string(),
        )]))
    }

    #[test]
    fn the_webhook_public_key_must_parse() {
        assert!(with_key(PUBLISHED_PUBLIC_KEY).is_ok());
        let report = with_key("not-a-key").expect_err("a bad key is refused");
        assert!(
            report.to_string().contains("GHL_WEBHOOK_PUBLIC_KEY"),
            "{report}"
        );
    }
}
