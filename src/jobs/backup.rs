//! The scheduled backup (`backup.run`): every `BACKUP_INTERVAL_HOURS`, aligned to the clock in
//! UTC, one instance copies the database into `BACKUP_DIR` and prunes to `BACKUP_KEEP`. The
//! slot's job id is the same for every instance (see `schedule`), so several instances on one
//! PostgreSQL database still make one backup per slot.

use async_trait::async_trait;
use tracing::info;

use super::{ClaimedJob, JobHandler, JobSpec, schedule::Recurring};
use crate::{app::App, config::Settings, services::backups};

/// Three attempts: a full disk or a missing `pg_dump` will not fix itself within minutes.
pub const SPEC: JobSpec = JobSpec {
    kind: "backup.run",
    max_attempts: 3,
};

/// The schedule, or `None` when backups are off.
pub fn recurring(settings: &Settings) -> Option<Recurring> {
    settings.backup.enabled().then(|| Recurring {
        spec: SPEC,
        every_minutes: i64::from(settings.backup.interval_hours) * 60,
    })
}

/// Runs [`SPEC`] jobs.
pub struct RunBackup;

#[async_trait]
impl JobHandler for RunBackup {
    fn spec(&self) -> JobSpec {
        SPEC
    }

    async fn run(&self, app: &App, job: &ClaimedJob) -> anyhow::Result<()> {
        // Backups were turned off since this run was scheduled: the chain ends here.
        let Some(schedule) = recurring(&app.settings) else {
            return Ok(());
        };
        schedule.begin_run(app.db.conn(), job).await?;
        let file = backups::run_scheduled(&app.db, &app.settings).await?;
        info!(file = %file.display(), "scheduled backup written");
        Ok(())
    }
}
