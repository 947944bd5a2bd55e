//! The command line: one file per command, each a thin call into the services.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{ConfigReport, Settings};

mod backup;
mod bench;
mod cadences;
mod check_config;
mod healthcheck;
mod migrate;
mod seed_demo;
mod serve;
mod token;
mod user;

/// Exit code for an invalid configuration (sysexits' EX_CONFIG).
pub const EXIT_CONFIG: u8 = 78;

/// Exit code when the database was migrated by a newer release (sysexits' EX_DATAERR): a
/// restart cannot fix it, so service managers should not retry (docs/UPGRADING.md).
pub const EXIT_DATABASE_NEWER: u8 = 65;

/// The release and the commit it was built from (see `build.rs`), as `--version` prints them.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("OPS_GIT_COMMIT"),
    ")"
);

/// OPS Desktop: every piece of your team's work in one place.
///
/// Configuration comes from environment variables and a `.env` file; run `ops-desktop
/// check-config` to see what is set and what is wrong.
#[derive(Debug, Parser)]
#[command(name = "ops-desktop", version = VERSION, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web pages and the JSON API and run the background worker (the default).
    ///
    /// Migrates the database first. In development, an empty database gets the demo data.
    /// Stops gracefully on Ctrl-C or SIGTERM.
    Serve,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Load the demo people, templates and work items (does nothing if they are already there).
    SeedDemo,
    /// Manage people from the command line.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Manage API tokens from the command line.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Check the configuration and print every problem; exits 0 only when it is valid.
    CheckConfig,
    /// Write a consistent copy of the database while the server runs (SQLite: a database
    /// file; PostgreSQL: a pg_dump archive).
    Backup {
        /// Where to write the copy (must not exist yet).
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Replace the database with a backup made by `backup` (stop the server first).
    Restore {
        /// The backup to put back.
        #[arg(long)]
        from: std::path::PathBuf,
    },
    /// Work with cadences (recurring series).
    #[command(subcommand)]
    Cadences(cadences::CadencesCommand),
    /// Ask a running server whether it is ready (`GET /readyz`); exits 0 only when it is.
    ///
    /// For container health checks: the image needs no curl. Reads only `BIND_ADDR`, so it
    /// works whatever else the configuration says.
    Healthcheck(healthcheck::HealthcheckArgs),
    /// Measure the server: seed N items, start it, and load every view over HTTP (see the
    /// README's performance section).
    Bench(bench::BenchArgs),
}

/// Runs the chosen command and turns its outcome into an exit code.
pub fn run(cli: Cli) -> ExitCode {
    let command = cli.command.unwrap_or(Command::Serve);
    match command {
        Command::CheckConfig => return check_config::run(),
        Command::Healthcheck(args) => return healthcheck::run(args),
        _ => {}
    }
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(report) => return config_failure(&report),
    };
    crate::telemetry::init(&settings.log_level, settings.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async move {
        match command {
            Command::Serve => serve::run(settings).await,
            Command::Migrate => migrate::run(settings).await,
            Command::SeedDemo => seed_demo::run(settings).await,
            Command::User(user_command) => user::run(settings, user_command).await,
            Command::Token(token_command) => token::run(settings, token_command).await,
            Command::Cadences(cadences_command) => cadences::run(settings, cadences_command).await,
            Command::Backup { out } => backup::run_backup(settings, out).await,
            Command::Restore { from } => backup::run_restore(settings, from).await,
            Command::CheckConfig | Command::Healthcheck(_) => unreachable!("handled above"),
            Command::Bench(args) => bench::run(settings, args).await,
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "command failed");
            eprintln!("error: {error:#}");
            if database_is_newer(&error) {
                ExitCode::from(EXIT_DATABASE_NEWER)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// Whether the command failed because a newer release migrated the database.
fn database_is_newer(error: &anyhow::Error) -> bool {
    use crate::db::{DatabaseNewer, MigrateError};
    error.downcast_ref::<DatabaseNewer>().is_some()
        || matches!(
            error.downcast_ref::<MigrateError>(),
            Some(MigrateError::Newer(_))
        )
}

fn config_failure(report: &ConfigReport) -> ExitCode {
    eprint!("{report}");
    eprintln!("Fix these and start again (`ops-desktop check-config` re-checks without starting).");
    ExitCode::from(EXIT_CONFIG)
}
