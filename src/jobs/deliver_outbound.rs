//! The job that delivers one outbound event (`{"eventId": ...}`) to HighLevel. Its failures
//! (5xx, timeouts, 429s without a short `Retry-After`) retry with the queue's backoff; when it
//! gives up, the event and its message end `FAILED` for a person to retry.

use async_trait::async_trait;

use super::{ClaimedJob, JobHandler, JobSpec, process_event::event_id};
use crate::{app::App, services::events::outbound};

/// Six attempts (with the default 5 s base, about 2.5 minutes of retries); then `FAILED`.
pub const SPEC: JobSpec = JobSpec {
    kind: "ghl.deliver",
    max_attempts: 6,
};

/// Runs [`SPEC`] jobs.
pub struct DeliverOutbound;

#[async_trait]
impl JobHandler for DeliverOutbound {
    fn spec(&self) -> JobSpec {
        SPEC
    }

    async fn run(&self, app: &App, job: &ClaimedJob) -> anyhow::Result<()> {
        outbound::deliver(&app.db, &app.settings, event_id(&job.payload)?).await
    }

    async fn gave_up(&self, app: &App, job: &ClaimedJob, error: &str) -> anyhow::Result<()> {
        outbound::give_up(&app.db, event_id(&job.payload)?, error).await?;
        Ok(())
    }
}
