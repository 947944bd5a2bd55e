//! `ops-desktop cadences run`: create every cadence occurrence now within its lead window, the
//! same work the scheduled job does (safe to run at any time, alongside running servers).

use clap::Subcommand;

use crate::{config::Settings, db::Db, db::time, services::cadences};

/// What to do with cadences.
#[derive(Debug, Subcommand)]
pub enum CadencesCommand {
    /// Create the items of every active cadence whose due date falls within its lead window.
    ///
    /// Items that already exist are skipped (each occurrence has a unique cadenceKey), so this
    /// can be rerun at any time, also while servers are running.
    Run,
}

pub async fn run(settings: Settings, command: CadencesCommand) -> anyhow::Result<()> {
    match command {
        CadencesCommand::Run => {
            let db = Db::connect(&settings.database_url).await?;
            db.migrate().await?;
            let report = cadences::generate(&db, settings.timezone, time::now()).await;
            db.close().await?;
            let report = report?;
            println!(
                "Checked {} active cadence(s): created {} item(s); {} already existed.",
                report.cadences, report.created, report.existing
            );
            if report.failures.is_empty() {
                Ok(())
            } else {
                for failure in &report.failures {
                    eprintln!("failed: {failure}");
                }
                anyhow::bail!(
                    "{} cadence(s) could not be generated",
                    report.failures.len()
                )
            }
        }
    }
}
