//! The database-backed job queue: enqueue inside the caller's transaction, claim atomically,
//! retry with exponential backoff up to a per-kind attempt limit, then stop in `FAILED` with
//! the last error kept. A job whose worker died is reclaimed once its lease runs out.
//!
//! A job that gives up — out of attempts, or its worker died during the last one — first runs
//! its kind's [`JobHandler::gave_up`] step, so whatever it served (an event, an outbound
//! message) ends in a failed state a person sees and can retry, never stranded half-way.

use std::{collections::HashMap, sync::Arc};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

use crate::{
    app::App,
    db::{entities::job, time},
    domain::ids::JobId,
};

pub mod backoff;
pub mod backup;
pub mod check_overdue;
mod claim;
pub mod deliver_outbound;
pub mod generate_cadences;
pub mod process_event;
pub mod schedule;
pub mod send_notifications;
pub mod send_signin_link;
mod worker;

pub use claim::ClaimedJob;
pub use worker::{Worker, WorkerConfig};

/// A job's state, as stored.
pub mod state {
    pub const QUEUED: &str = "QUEUED";
    pub const RUNNING: &str = "RUNNING";
    pub const DONE: &str = "DONE";
    pub const FAILED: &str = "FAILED";
}

/// A kind of job and how many attempts it gets before it is marked `FAILED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobSpec {
    pub kind: &'static str,
    pub max_attempts: u32,
}

/// Code that performs one kind of job.
#[async_trait]
pub trait JobHandler: Send + Sync {
    /// Which kind this handler runs.
    fn spec(&self) -> JobSpec;

    /// Does the work. An `Err` is recorded and the job retried (or failed when out of attempts).
    async fn run(&self, app: &App, job: &ClaimedJob) -> anyhow::Result<()>;

    /// Runs once when the job gives up for good (`error` says why): marks what the job served
    /// as failed. Must be idempotent — a crash before the job is recorded `FAILED` runs it
    /// again. An `Err` keeps the job queued so the step is tried again later.
    async fn gave_up(&self, _app: &App, _job: &ClaimedJob, _error: &str) -> anyhow::Result<()> {
        Ok(())
    }
}

/// The handlers a worker knows, by kind.
#[derive(Clone, Default)]
pub struct JobRegistry {
    handlers: HashMap<&'static str, Arc<dyn JobHandler>>,
}

impl JobRegistry {
    /// The registry the application ships with.
    pub fn standard() -> JobRegistry {
        JobRegistry::default()
            // Cadences, notification emails and the overdue check.
            .register(Arc::new(generate_cadences::GenerateCadences))
            .register(Arc::new(send_notifications::SendNotificationEmail))
            .register(Arc::new(send_notifications::SendDigests))
            .register(Arc::new(check_overdue::CheckOverdue))
            // Events and HighLevel.
            .register(Arc::new(process_event::ProcessEvent))
            .register(Arc::new(deliver_outbound::DeliverOutbound))
            .register(Arc::new(backup::RunBackup))
            // Requested sign-in links.
            .register(Arc::new(send_signin_link::SendSigninLink))
    }

    /// Adds a handler (later registrations of the same kind replace earlier ones).
    pub fn register(mut self, handler: Arc<dyn JobHandler>) -> JobRegistry {
        self.handlers.insert(handler.spec().kind, handler);
        self
    }

    pub fn handler(&self, kind: &str) -> Option<&Arc<dyn JobHandler>> {
        self.handlers.get(kind)
    }
}

/// Queues a job on `conn` — pass the caller's transaction so the job exists exactly when the
/// change that caused it does.
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    spec: JobSpec,
    payload: serde_json::Value,
    run_at: Option<DateTime<Utc>>,
) -> Result<JobId, DbErr> {
    let now = time::now();
    let id = JobId::new();
    job::ActiveModel {
        id: Set(id.0),
        kind: Set(spec.kind.to_string()),
        payload: Set(payload),
        state: Set(state::QUEUED.to_string()),
        attempts: Set(0),
        max_attempts: Set(spec.max_attempts.max(1) as i32),
        run_at: Set(run_at.map(time::truncate).unwrap_or(now)),
        locked_until: Set(None),
        locked_by: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        finished_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(id)
}
