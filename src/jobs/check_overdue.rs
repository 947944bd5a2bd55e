//! The periodic overdue check: every quarter hour, items that passed their due date notify
//! their owner (once per item and owner; see `services::email_notifications::overdue`).

use async_trait::async_trait;

use super::{ClaimedJob, JobHandler, JobSpec, schedule::Recurring};
use crate::{app::App, db::time, services::email_notifications::overdue};

/// The job kind and how often it runs.
pub const RECURRING: Recurring = Recurring {
    spec: JobSpec {
        kind: "notifications.overdue",
        max_attempts: 3,
    },
    every_minutes: 15,
};

/// Runs the overdue check.
pub struct CheckOverdue;

#[async_trait]
impl JobHandler for CheckOverdue {
    fn spec(&self) -> JobSpec {
        RECURRING.spec
    }

    async fn run(&self, app: &App, job: &ClaimedJob) -> anyhow::Result<()> {
        RECURRING.begin_run(app.db.conn(), job).await?;
        overdue::flag_overdue(&app.db, app.settings.timezone, time::now()).await?;
        Ok(())
    }
}
