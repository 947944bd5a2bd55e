//! What production refuses on top of the general rules: settings that are fine on a laptop
//! but unsafe on a public server. Each one names what goes wrong without it.

use secrecy::ExposeSecret;

use super::{ConfigReport, Settings};

/// The shortest `GHL_WEBHOOK_SECRET` production accepts, in bytes: 256 bits, beyond guessing.
pub const MIN_WEBHOOK_SECRET_BYTES: usize = 32;
/// The shortest `METRICS_TOKEN` production accepts, in bytes.
pub const MIN_METRICS_TOKEN_BYTES: usize = 32;

/// Adds a problem for every unsafe production setting.
pub(super) fn check(settings: &Settings, report: &mut ConfigReport) {
    // A missing AUTH_URL is already reported; only a present one can be plain http.
    if !report.mentions("AUTH_URL") && !settings.serves_https() {
        report.add(
            "AUTH_URL",
            "must be https in production (session cookies and sign-in links travel over it)",
        );
    }
    if let Some(secret) = &settings.ghl_webhook_secret {
        let length = secret.expose_secret().len();
        if length < MIN_WEBHOOK_SECRET_BYTES {
            report.add(
                "GHL_WEBHOOK_SECRET",
                format!(
                    "must be at least {MIN_WEBHOOK_SECRET_BYTES} bytes in production (it is {length}); e.g. `openssl rand -hex 32`"
                ),
            );
        }
    }
    if settings.smtp.is_none() && !report.mentions("EMAIL_SERVER_HOST") {
        report.add(
            "EMAIL_SERVER_HOST",
            "is required in production: without SMTP, sign-in links would only reach the server's outbox",
        );
    }
    match &settings.metrics_token {
        None => report.add(
            "METRICS_TOKEN",
            format!(
                "is required in production (at least {MIN_METRICS_TOKEN_BYTES} bytes), so /metrics is not public"
            ),
        ),
        Some(token) if token.expose_secret().len() < MIN_METRICS_TOKEN_BYTES => report.add(
            "METRICS_TOKEN",
            format!(
                "must be at least {MIN_METRICS_TOKEN_BYTES} bytes in production (it is {})",
                token.expose_secret().len()
            ),
        ),
        Some(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use crate::config::{ConfigReport, Settings};

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    fn production(overrides: &[(&str, &str)]) -> Result<Settings, ConfigReport> {
        let mut vars: HashMap<String, String> = [
            ("OPS_ENV", "production"),
            ("AUTH_URL", "https://ops.example.com"),
            ("EMAIL_FROM", "ops@example.com"),
            ("EMAIL_SERVER_HOST", "smtp.example.com"),
            ("METRICS_TOKEN", TOKEN),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (name, value) in overrides {
            vars.insert(name.to_string(), value.to_string());
        }
        Settings::from_map(&vars)
    }

    fn refused(overrides: &[(&str, &str)], variable: &str) {
        let report = production(overrides).expect_err("production refuses this");
        assert!(report.mentions(variable), "{variable} in {report}");
    }

    #[test]
    fn a_safe_production_configuration_starts() {
        production(&[("GHL_WEBHOOK_SECRET", TOKEN)]).expect("safe settings are accepted");
    }

    #[test]
    fn production_refuses_a_plain_http_auth_url() {
        refused(&[("AUTH_URL", "http://ops.example.com")], "AUTH_URL");
    }

    #[test]
    fn production_refuses_a_short_webhook_secret() {
        refused(&[("GHL_WEBHOOK_SECRET", "x")], "GHL_WEBHOOK_SECRET");
    }

    #[test]
    fn production_requires_smtp() {
        refused(&[("EMAIL_SERVER_HOST", "")], "EMAIL_SERVER_HOST");
    }

    #[test]
    fn production_requires_a_long_metrics_token() {
        refused(&[("METRICS_TOKEN", "")], "METRICS_TOKEN");
        refused(&[("METRICS_TOKEN", "short")], "METRICS_TOKEN");
    }

    #[test]
    fn development_allows_all_of_it() {
        let vars: HashMap<String, String> = [
            ("AUTH_URL", "http://localhost:3000"),
            ("GHL_WEBHOOK_SECRET", "x"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        Settings::from_map(&vars).expect("development is lenient");
    }
}
