//! Typed settings built from the environment (and a `.env` file), validated all at once.
//!
//! `Settings::from_lookup` takes any variable source so that every rule is unit-tested without
//! touching the process environment. Every problem is collected into one [`ConfigReport`], so
//! an operator fixes them all in one go instead of one restart per mistake.

use std::{collections::HashMap, fmt, net::SocketAddr, path::PathBuf, str::FromStr};

use chrono_tz::Tz;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

mod backup;
mod external;
mod network;
mod production;
mod report;
mod rules;
mod sessions;
mod timeouts;

pub use backup::BackupSettings;
pub use report::{ConfigProblem, ConfigReport};
pub use timeouts::Timeouts;

/// HighLevel's public API base; overridable with `GHL_API_BASE` (tests point it at a mock).
pub const DEFAULT_GHL_API_BASE: &str = "https://services.leadconnectorhq.com";
/// Where the database lives when `DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/ops-desktop.db";
/// Where the server listens when `BIND_ADDR` is not set.
pub const DEFAULT_BIND_ADDR: &str = "127.0.0.1:3000";

/// Which rules apply: production refuses shortcuts that development allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Which database engine `DATABASE_URL` names.
#[derive(Debug, Clone)]
pub enum DatabaseUrl {
    /// `sqlite://path` — `path` is created (with its folder) when missing.
    Sqlite { url: String, path: PathBuf },
    /// `postgres://` or `postgresql://`.
    Postgres { url: SecretString },
}

impl DatabaseUrl {
    /// The URL to hand to the driver. May contain a password: never log it.
    pub fn expose(&self) -> &str {
        match self {
            DatabaseUrl::Sqlite { url, .. } => url,
            DatabaseUrl::Postgres { url } => url.expose_secret(),
        }
    }

    /// A short, password-free description for logs and the config report.
    pub fn describe(&self) -> String {
        match self {
            DatabaseUrl::Sqlite { path, .. } => format!("SQLite at {}", path.display()),
            DatabaseUrl::Postgres { url } => match Url::parse(url.expose_secret()) {
                Ok(parsed) => format!(
                    "PostgreSQL at {}:{}{}",
                    parsed.host_str().unwrap_or("localhost"),
                    parsed.port().unwrap_or(5432),
                    parsed.path()
                ),
                Err(_) => "PostgreSQL".to_string(),
            },
        }
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, DatabaseUrl::Sqlite { .. })
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// TLS from the first byte (port 465).
    Implicit,
    /// Plain connection upgraded with STARTTLS, which is required (port 587, the default).
    StartTls,
    /// No encryption: only for a relay on the same host or a test server.
    None,
}

/// SMTP relay settings; present only when `EMAIL_SERVER_HOST` is set.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub user: Option<String>,
    pub password: Option<SecretString>,
}

/// HighLevel API credentials; present only when both key and location are set.
#[derive(Debug, Clone)]
pub struct GhlApiSettings {
    pub api_key: SecretString,
    pub location_id: String,
}

/// Everything the application needs to know about its surroundings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub environment: Environment,
    pub database_url: DatabaseUrl,
    pub bind_addr: SocketAddr,
    /// The public base URL people use (links in emails, `Origin` checks, cookie `Secure`).
    pub auth_url: Url,
    pub timezone: Tz,
    pub log_level: String,
    pub log_format: LogFormat,
    pub data_dir: PathBuf,
    pub email_from: Option<String>,
    pub smtp: Option<SmtpSettings>,
    pub ghl_api: Option<GhlApiSettings>,
    pub ghl_api_base: Url,
    pub ghl_webhook_secret: Option<SecretString>,
    pub ghl_webhook_public_key: Option<String>,
    pub demo_mode: bool,
    /// A session unused this long ends (`SESSION_IDLE_MINUTES`).
    pub session_idle_minutes: u32,
    /// A session ends this long after sign-in, however busy (`SESSION_MAX_MINUTES`).
    pub session_max_minutes: u32,
    /// Sign-in attempts for one account from one address.
    pub rate_limit_signin_per_minute: u32,
    /// Sign-in attempts for one account from all addresses together.
    pub rate_limit_signin_account_per_minute: u32,
    /// Sign-in attempts from one address for all accounts together.
    pub rate_limit_signin_address_per_minute: u32,
    pub rate_limit_api_per_minute: u32,
    /// Proxies whose forwarding headers name the client (`TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub metrics_token: Option<SecretString>,
    /// The scheduled backup job.
    pub backup: BackupSettings,
    /// How long requests, statements, connections and streams may take.
    pub timeouts: Timeouts,
}

impl Settings {
    /// Reads `.env` (if present) and the process environment.
    pub fn from_env() -> Result<Settings, ConfigReport> {
        // A missing .env is normal; a malformed one is reported through the values it failed to set.
        let _ = dotenvy::dotenv();
        Settings::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds settings from a map (tests and tools).
    pub fn from_map(vars: &HashMap<String, String>) -> Result<Settings, ConfigReport> {
        Settings::from_lookup(|name| vars.get(name).cloned())
    }

    /// Builds settings from any variable source, reporting every problem together.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigReport> {
        rules::build(&|name| lookup(name).filter(|value| !value.trim().is_empty()))
    }

    pub fn is_production(&self) -> bool {
        self.environment == Environment::Production
    }

    /// True when the public URL is https, so cookies get `Secure` and the `__Host-` prefix.
    pub fn serves_https(&self) -> bool {
        self.auth_url.scheme() == "https"
    }
}

impl FromStr for Environment {
    type Err = String;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.to_ascii_lowercase().as_str() {
            "development" | "dev" => Ok(Environment::Development),
            "production" | "prod" => Ok(Environment::Production),
            other => Err(format!(
                "must be `development` or `production`, not `{other}`"
            )),
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Environment::Development => "development",
            Environment::Production => "production",
        })
    }
}
