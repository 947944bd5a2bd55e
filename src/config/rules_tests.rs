//! One test per configuration rule.

use std::collections::HashMap;

use crate::config::{ConfigReport, DatabaseUrl, Environment, LogFormat, Settings};

fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigReport> {
    let vars: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Settings::from_map(&vars)
}

fn problems(pairs: &[(&str, &str)]) -> ConfigReport {
    settings(pairs).expect_err("configuration should be refused")
}

const GOOD_PRODUCTION: &[(&str, &str)] = &[
    ("OPS_ENV", "production"),
    ("AUTH_URL", "https://ops.example.com"),
    ("EMAIL_FROM", "ops@example.com"),
    ("EMAIL_SERVER_HOST", "smtp.example.com"),
    ("METRICS_TOKEN", "0123456789abcdef0123456789abcdef"),
];

fn production_with(
    overrides: &[(&'static str, &'static str)],
) -> Vec<(&'static str, &'static str)> {
    let mut pairs: Vec<_> = GOOD_PRODUCTION
        .iter()
        .filter(|(k, _)| !overrides.iter().any(|(o, _)| o == k))
        .copied()
        .collect();
    pairs.extend(overrides.iter().filter(|(_, v)| !v.is_empty()).copied());
    pairs
}

#[test]
fn empty_environment_gives_development_defaults() {
    let s = settings(&[]).expect("defaults are valid");
    assert_eq!(s.environment, Environment::Development);
    assert!(
        matches!(&s.database_url, DatabaseUrl::Sqlite { path, .. } if path.ends_with("data/ops-desktop.db"))
    );
    assert_eq!(s.bind_addr.to_string(), "127.0.0.1:3000");
    assert_eq!(s.auth_url.as_str(), "http://127.0.0.1:3000/");
    assert_eq!(s.timezone, chrono_tz::Tz::UTC);
    assert_eq!(s.log_format, LogFormat::Pretty);
    assert!(!s.demo_mode);
    assert_eq!(
        (s.session_idle_minutes, s.session_max_minutes),
        (720, 10_080)
    );
    assert_eq!(s.rate_limit_signin_per_minute, 10);
    assert_eq!(s.rate_limit_api_per_minute, 600);
    assert_eq!(
        s.ghl_api_base.as_str(),
        "https://services.leadconnectorhq.com/"
    );
}

#[test]
fn good_production_configuration_is_accepted_and_logs_json() {
    let s = settings(GOOD_PRODUCTION).expect("valid production config");
    assert!(s.is_production());
    assert!(s.serves_https());
    assert_eq!(s.log_format, LogFormat::Json);
}

#[test]
fn unknown_ops_env_is_refused() {
    assert!(problems(&[("OPS_ENV", "staging")]).mentions("OPS_ENV"));
}

#[test]
fn database_url_accepts_sqlite_and_both_postgres_schemes() {
    for url in [
        "sqlite://x/y.db",
        "postgres://u@h/db",
        "postgresql://u:p@h:5433/db",
    ] {
        settings(&[("DATABASE_URL", url)]).unwrap_or_else(|r| panic!("{url}: {r}"));
    }
}

#[test]
fn database_url_with_another_scheme_names_the_two_that_work() {
    let report = problems(&[("DATABASE_URL", "mysql://root@localhost/ops")]);
    let text = report.to_string();
    assert!(text.contains("DATABASE_URL"));
    assert!(text.contains("`mysql`") && text.contains("sqlite://") && text.contains("postgres://"));
}

#[test]
fn database_url_sqlite_needs_a_file() {
    assert!(problems(&[("DATABASE_URL", "sqlite://:memory:")]).mentions("DATABASE_URL"));
}

#[test]
fn bad_bind_addr_is_refused() {
    assert!(problems(&[("BIND_ADDR", "localhost")]).mentions("BIND_ADDR"));
}

#[test]
fn auth_url_must_be_http_or_https() {
    assert!(problems(&[("AUTH_URL", "ftp://example.com")]).mentions("AUTH_URL"));
    assert!(problems(&[("AUTH_URL", "not a url")]).mentions("AUTH_URL"));
}

#[test]
fn production_requires_auth_url() {
    assert!(problems(&production_with(&[("AUTH_URL", "")])).mentions("AUTH_URL"));
}

#[test]
fn auth_secret_is_no_longer_required_nor_read() {
    settings(&production_with(&[("AUTH_SECRET", "")])).expect("production starts without it");
    settings(&production_with(&[("AUTH_SECRET", "short")])).expect("an old short one is ignored");
}

#[test]
fn production_requires_email_from() {
    assert!(problems(&production_with(&[("EMAIL_FROM", "")])).mentions("EMAIL_FROM"));
}

#[test]
fn production_refuses_demo_mode() {
    assert!(problems(&production_with(&[("DEMO_MODE", "true")])).mentions("DEMO_MODE"));
}

#[test]
fn demo_mode_must_be_a_boolean() {
    assert!(problems(&[("DEMO_MODE", "maybe")]).mentions("DEMO_MODE"));
    assert!(settings(&[("DEMO_MODE", "yes")]).unwrap().demo_mode);
}

#[test]
fn every_problem_is_reported_together() {
    let report = problems(&[
        ("OPS_ENV", "production"),
        ("DATABASE_URL", "mongodb://x"),
        ("OPS_TIMEZONE", "Mars/Olympus"),
        ("DEMO_MODE", "true"),
    ]);
    for var in [
        "DATABASE_URL",
        "OPS_TIMEZONE",
        "DEMO_MODE",
        "AUTH_URL",
        "EMAIL_FROM",
        "EMAIL_SERVER_HOST",
        "METRICS_TOKEN",
    ] {
        assert!(report.mentions(var), "{var} missing from:\n{report}");
    }
    assert!(
        report
            .to_string()
            .starts_with("The configuration has 7 problems")
    );
}

#[test]
fn timezone_must_be_an_iana_name() {
    assert!(problems(&[("OPS_TIMEZONE", "CET+1")]).mentions("OPS_TIMEZONE"));
    let s = settings(&[("OPS_TIMEZONE", "America/New_York")]).unwrap();
    assert_eq!(s.timezone, chrono_tz::America::New_York);
}

#[test]
fn log_level_must_be_a_filter() {
    assert!(problems(&[("LOG_LEVEL", "loud=[")]).mentions("LOG_LEVEL"));
    settings(&[("LOG_LEVEL", "info,ops_desktop=debug")]).unwrap();
}

#[test]
fn log_format_must_be_pretty_or_json() {
    assert!(problems(&[("LOG_FORMAT", "xml")]).mentions("LOG_FORMAT"));
    assert_eq!(
        settings(&[("LOG_FORMAT", "json")]).unwrap().log_format,
        LogFormat::Json
    );
}

#[test]
fn email_from_must_be_an_address() {
    assert!(problems(&[("EMAIL_FROM", "nobody")]).mentions("EMAIL_FROM"));
    settings(&[("EMAIL_FROM", "OPS Desktop <ops@example.com>")]).unwrap();
}

#[test]
fn smtp_host_needs_email_from_and_a_valid_port() {
    let report = problems(&[
        ("EMAIL_SERVER_HOST", "smtp.example.com"),
        ("EMAIL_SERVER_PORT", "99999"),
    ]);
    assert!(report.mentions("EMAIL_FROM"));
    assert!(report.mentions("EMAIL_SERVER_PORT"));
}

#[test]
fn smtp_user_and_password_go_together() {
    let report = problems(&[
        ("EMAIL_SERVER_HOST", "smtp.example.com"),
        ("EMAIL_FROM", "ops@example.com"),
        ("EMAIL_SERVER_USER", "ops"),
    ]);
    assert!(report.mentions("EMAIL_SERVER_USER"));
}

#[test]
fn smtp_parts_without_a_host_are_refused() {
    assert!(problems(&[("EMAIL_SERVER_PORT", "25")]).mentions("EMAIL_SERVER_PORT"));
}

#[test]
fn ghl_key_and_location_go_together() {
    assert!(problems(&[("GHL_API_KEY", "pit-123")]).mentions("GHL_LOCATION_ID"));
    assert!(problems(&[("GHL_LOCATION_ID", "loc")]).mentions("GHL_API_KEY"));
    let s = settings(&[("GHL_API_KEY", "pit-123"), ("GHL_LOCATION_ID", "loc")]).unwrap();
    assert!(s.ghl_api.is_some());
}

#[test]
fn ghl_api_base_must_be_a_url() {
    assert!(problems(&[("GHL_API_BASE", "services")]).mentions("GHL_API_BASE"));
}

#[test]
fn session_lengths_must_be_positive_and_ordered() {
    assert!(problems(&[("SESSION_IDLE_DAYS", "0")]).mentions("SESSION_IDLE_DAYS"));
    assert!(problems(&[("SESSION_MAX_DAYS", "x")]).mentions("SESSION_MAX_DAYS"));
    assert!(problems(&[("SESSION_IDLE_DAYS", "40")]).mentions("SESSION_IDLE_MINUTES"));
}

#[test]
fn rate_limits_must_be_positive() {
    assert!(
        problems(&[("RATE_LIMIT_SIGNIN_PER_MINUTE", "-1")])
            .mentions("RATE_LIMIT_SIGNIN_PER_MINUTE")
    );
    assert!(problems(&[("RATE_LIMIT_API_PER_MINUTE", "0")]).mentions("RATE_LIMIT_API_PER_MINUTE"));
}

#[test]
fn blank_values_count_as_unset() {
    settings(&[("DATABASE_URL", "  "), ("OPS_ENV", "")]).expect("blank means default");
}

#[test]
fn secrets_never_appear_in_debug_output() {
    let s = settings(&[
        (
            "DATABASE_URL",
            "postgres://ops:db-password-value@localhost/ops",
        ),
        ("EMAIL_SERVER_HOST", "smtp.example.com"),
        ("EMAIL_FROM", "ops@example.com"),
        ("EMAIL_SERVER_USER", "ops"),
        ("EMAIL_SERVER_PASSWORD", "smtp-password-value"),
        ("GHL_API_KEY", "ghl-api-key-value"),
        ("GHL_LOCATION_ID", "loc"),
        ("GHL_WEBHOOK_SECRET", "webhook-secret-value"),
        ("METRICS_TOKEN", "metrics-token-value"),
    ])
    .unwrap();
    let debug = format!("{s:?}");
    for secret in [
        "db-password-value",
        "smtp-password-value",
        "ghl-api-key-value",
        "webhook-secret-value",
        "metrics-token-value",
    ] {
        assert!(!debug.contains(secret), "{secret} leaked in {debug}");
    }
    assert!(!s.database_url.describe().contains("db-password-value"));
}

#[test]
fn smtp_tls_mode_follows_the_port_unless_set() {
    use crate::config::SmtpTls;
    let with = |extra: &[(&str, &str)]| {
        let mut pairs = vec![
            ("EMAIL_SERVER_HOST", "smtp.example.com"),
            ("EMAIL_FROM", "ops@example.com"),
        ];
        pairs.extend_from_slice(extra);
        settings(&pairs)
    };
    assert_eq!(with(&[]).unwrap().smtp.unwrap().tls, SmtpTls::StartTls);
    assert_eq!(
        with(&[("EMAIL_SERVER_PORT", "465")])
            .unwrap()
            .smtp
            .unwrap()
            .tls,
        SmtpTls::Implicit
    );
    assert_eq!(
        with(&[("EMAIL_SERVER_TLS", "none")])
            .unwrap()
            .smtp
            .unwrap()
            .tls,
        SmtpTls::None
    );
    assert!(
        with(&[("EMAIL_SERVER_TLS", "sometimes")])
            .unwrap_err()
            .mentions("EMAIL_SERVER_TLS")
    );
}
