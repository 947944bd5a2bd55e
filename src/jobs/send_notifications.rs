//! Notification emails: one job per notification that someone wants immediately (queued in the
//! notification's own transaction), and an hourly digest run that mails everyone whose digest
//! hour it is. Both claim notifications before sending, so no event is mailed twice.

use async_trait::async_trait;
use uuid::Uuid;

use super::{ClaimedJob, JobHandler, JobSpec, schedule::Recurring};
use crate::{
    app::App,
    services::email_notifications::{self, digest},
};

/// One immediate email. A relay that is down gets retried with backoff for about ten minutes.
pub const SEND_ONE: JobSpec = JobSpec {
    kind: "notifications.email",
    max_attempts: 8,
};

/// The digest run, at the top of every hour.
pub const DIGEST_RECURRING: Recurring = Recurring {
    spec: JobSpec {
        kind: "notifications.digest",
        max_attempts: 5,
    },
    every_minutes: 60,
};

/// Sends one notification's email.
pub struct SendNotificationEmail;

#[async_trait]
impl JobHandler for SendNotificationEmail {
    fn spec(&self) -> JobSpec {
        SEND_ONE
    }

    async fn run(&self, app: &App, job: &ClaimedJob) -> anyhow::Result<()> {
        let id: Uuid = serde_json::from_value(job.payload["notificationId"].clone())
            .map_err(|error| anyhow::anyhow!("the job has no notificationId: {error}"))?;
        email_notifications::send_immediate(&app.db, app.mailer.as_ref(), &app.settings, id)
            .await?;
        Ok(())
    }

    async fn gave_up(&self, app: &App, job: &ClaimedJob, error: &str) -> anyhow::Result<()> {
        let id: Uuid = serde_json::from_value(job.payload["notificationId"].clone())
            .map_err(|error| anyhow::anyhow!("the job has no notificationId: {error}"))?;
        email_notifications::give_up(&app.db, id, error).await?;
        Ok(())
    }
}

/// Sends the digests of the hour.
pub struct SendDigests;

#[async_trait]
impl JobHandler for SendDigests {
    fn spec(&self) -> JobSpec {
        DIGEST_RECURRING.spec
    }

    async fn run(&self, app: &App, job: &ClaimedJob) -> anyhow::Result<()> {
        let slot = DIGEST_RECURRING.begin_run(app.db.conn(), job).await?;
        let report =
            digest::send_digests(&app.db, app.mailer.as_ref(), &app.settings, slot).await?;
        if !report.failures.is_empty() {
            // The retry re-sends only the failed ones: the others' notifications are claimed.
            anyhow::bail!("some digests failed: {}", report.failures.join(" | "));
        }
        Ok(())
    }
}
