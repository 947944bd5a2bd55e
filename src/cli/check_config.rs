//! `ops-desktop check-config`: the start-up configuration report, without starting.

use std::process::ExitCode;

use crate::config::Settings;

pub fn run() -> ExitCode {
    match Settings::from_env() {
        Ok(settings) => {
            println!("The configuration is valid.");
            print_summary(&settings);
            ExitCode::SUCCESS
        }
        Err(report) => {
            print!("{report}");
            ExitCode::from(super::EXIT_CONFIG)
        }
    }
}

/// What is in effect, with secrets shown only as set or not set.
fn print_summary(s: &Settings) {
    let set = |present: bool| if present { "set" } else { "not set" };
    println!("  environment        {}", s.environment);
    println!("  database           {}", s.database_url.describe());
    println!("  listening on       {}", s.bind_addr);
    println!("  public URL         {}", s.auth_url);
    println!("  time zone          {}", s.timezone);
    println!("  log                {} ({:?})", s.log_level, s.log_format);
    println!(
        "  sessions           end after {} idle minutes, {} minutes at most",
        s.session_idle_minutes, s.session_max_minutes
    );
    if std::env::var_os("AUTH_SECRET").is_some() {
        println!("  AUTH_SECRET        set but no longer used; it can be removed");
    }
    match &s.smtp {
        Some(smtp) => println!("  email              SMTP via {}:{}", smtp.host, smtp.port),
        None => println!(
            "  email              development outbox in {}/outbox",
            s.data_dir.display()
        ),
    }
    println!(
        "  HighLevel API      {}",
        if s.ghl_api.is_some() {
            "configured"
        } else {
            "not configured"
        }
    );
    println!(
        "  webhook secret     {}",
        set(s.ghl_webhook_secret.is_some())
    );
    println!("  demo mode          {}", s.demo_mode);
    if s.backup.enabled() {
        println!(
            "  backups            every {} h to {}, keeping {}",
            s.backup.interval_hours,
            s.backup.dir.display(),
            s.backup.keep
        );
    } else {
        println!("  backups            off (set BACKUP_INTERVAL_HOURS)");
    }
    let t = &s.timeouts;
    println!(
        "  time limits        request {} s, statement {} s, connection {} s, stream {} s",
        t.request.as_secs(),
        t.statement.as_secs(),
        t.acquire.as_secs(),
        t.stream_max.as_secs()
    );
}
