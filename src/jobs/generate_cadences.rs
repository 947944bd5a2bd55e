//! The scheduled cadence run: every quarter hour, create the occurrences that entered their
//! cadence's lead window (see `services::cadences::generate` for why it is exactly-once).

use async_trait::async_trait;

use super::{ClaimedJob, JobHandler, JobSpec, schedule::Recurring};
use crate::{app::App, db::time, services::cadences};

/// The job kind and how often it runs.
pub const RECURRING: Recurring = Recurring {
    spec: JobSpec {
        kind: "cadences.generate",
        max_attempts: 3,
    },
    every_minutes: 15,
};

/// Runs cadence generation.
pub struct GenerateCadences;

#[async_trait]
impl JobHandler for GenerateCadences {
    fn spec(&self) -> JobSpec {
        RECURRING.spec
    }

    async fn run(&self, app: &App, job: &ClaimedJob) -> anyhow::Result<()> {
        RECURRING.begin_run(app.db.conn(), job).await?;
        // The real time, not the slot's: a late run must not create what is already past.
        let report = cadences::generate(&app.db, app.settings.timezone, time::now()).await?;
        if !report.failures.is_empty() {
            // Retried with backoff; the cadences that worked are not redone (their keys exist).
            anyhow::bail!("some cadences failed: {}", report.failures.join(" | "));
        }
        Ok(())
    }
}
