//! The job that processes one inbound event (`{"eventId": ...}`) by the integration rules.
//! Processing is idempotent (see `services::events::process`), so a job that runs again after
//! a crash does nothing twice.

use async_trait::async_trait;
use uuid::Uuid;

use super::{ClaimedJob, JobHandler, JobSpec};
use crate::{app::App, services::events::process};

/// Five attempts with backoff; then the event is `FAILED` with its error, for a person to retry.
pub const SPEC: JobSpec = JobSpec {
    kind: "events.process",
    max_attempts: 5,
};

/// Runs [`SPEC`] jobs.
pub struct ProcessEvent;

#[async_trait]
impl JobHandler for ProcessEvent {
    fn spec(&self) -> JobSpec {
        SPEC
    }

    async fn run(&self, app: &App, job: &ClaimedJob) -> anyhow::Result<()> {
        let event_id = event_id(&job.payload)?;
        let outcome = process::process(&app.db, app.settings.timezone, event_id, job.attempt).await;
        if let Err(error) = outcome {
            process::record_failure(&app.db, event_id, job.attempt, &error.to_string()).await?;
            return Err(anyhow::Error::from(error));
        }
        Ok(())
    }

    async fn gave_up(&self, app: &App, job: &ClaimedJob, error: &str) -> anyhow::Result<()> {
        process::give_up(&app.db, event_id(&job.payload)?, error).await?;
        Ok(())
    }
}

/// The `eventId` of an events job's payload.
pub fn event_id(payload: &serde_json::Value) -> anyhow::Result<Uuid> {
    payload
        .get("eventId")
        .and_then(|v| v.as_str())
        .and_then(|v| Uuid::parse_str(v).ok())
        .ok_or_else(|| anyhow::anyhow!("the job's payload has no eventId"))
}
