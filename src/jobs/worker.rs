//! The worker loop: claim a job, run its handler while keeping the lease fresh, record the
//! outcome. On shutdown it stops claiming and lets the running job finish; a job still
//! running when the grace period ends is stopped and handed back to the queue.

use std::{sync::Arc, time::Duration};

use chrono::TimeDelta;
use tokio::sync::watch;
use tracing::{Instrument, info, info_span, warn};

use super::{
    ClaimedJob, JobRegistry, backoff,
    claim::{self, AfterFailure},
};
use crate::{app::App, db::time};

/// How long handing a stopped job back to the queue may take: it happens at the very end of
/// the shutdown grace, and the process must be gone before an orchestrator kills it.
const RELEASE_LIMIT: Duration = Duration::from_millis(1500);

/// How a run of a job's handler ended.
enum Ran {
    Finished(Result<(), String>),
    /// The process is stopping and cut the run short.
    Stopped,
}

/// Tuning for the worker; tests shorten the waits.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// How many jobs this process runs at once.
    pub concurrency: usize,
    /// How long an idle worker sleeps before looking again.
    pub poll_interval: Duration,
    /// How long a claim holds before another worker may take the job over.
    pub lease: Duration,
    /// Delay after the first failed attempt; doubles with each further one.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            concurrency: 2,
            poll_interval: Duration::from_millis(500),
            lease: Duration::from_secs(60),
            base_backoff: Duration::from_secs(5),
            max_backoff: Duration::from_secs(3600),
        }
    }
}

/// Runs queued jobs for one process.
#[derive(Clone)]
pub struct Worker {
    app: App,
    registry: Arc<JobRegistry>,
    config: WorkerConfig,
    worker_id: String,
    /// Turns true when a running job must stop now (the shutdown grace is over).
    release: watch::Receiver<bool>,
}

impl Worker {
    /// A worker whose running jobs stop and go back to the queue when `release` turns true.
    pub fn new(
        app: App,
        registry: Arc<JobRegistry>,
        config: WorkerConfig,
        release: watch::Receiver<bool>,
    ) -> Worker {
        let worker_id = format!("{}:{}", std::process::id(), uuid::Uuid::now_v7().simple());
        Worker {
            app,
            registry,
            config,
            worker_id,
            release,
        }
    }

    /// Runs until `shutdown` turns true, then returns once every running job has finished
    /// or, after `release`, has been handed back.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        // Recurring jobs this worker can run get their current slot queued (idempotent).
        let mut recurring = super::schedule::STANDARD.to_vec();
        recurring.extend(super::backup::recurring(&self.app.settings));
        super::schedule::ensure_scheduled(self.app.db.conn(), &self.registry, &recurring).await;
        let loops: Vec<_> = (0..self.config.concurrency.max(1))
            .map(|_| tokio::spawn(self.clone().poll_loop(shutdown.clone())))
            .collect();
        for handle in loops {
            if let Err(error) = handle.await {
                warn!(%error, "a worker loop ended abnormally");
            }
        }
    }

    async fn poll_loop(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                return;
            }
            match self.run_once().await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(error) => warn!(%error, "cannot reach the job queue; will retry"),
            }
            tokio::select! {
                _ = tokio::time::sleep(self.config.poll_interval) => {}
                changed = shutdown.changed() => if changed.is_err() { return },
            }
        }
    }

    /// Claims and runs at most one job. Returns whether there was one.
    pub async fn run_once(&self) -> anyhow::Result<bool> {
        let now = time::now();
        let Some(job) = self
            .app
            .db
            .bounded(claim::claim_next(
                self.app.db.conn(),
                &self.worker_id,
                now,
                now + self.lease(),
            ))
            .await?
        else {
            return Ok(false);
        };
        let span =
            info_span!("job", job.id = %job.id, job.kind = %job.kind, job.attempt = job.attempt);
        self.execute(job).instrument(span).await?;
        Ok(true)
    }

    async fn execute(&self, job: ClaimedJob) -> anyhow::Result<()> {
        let conn = self.app.db.conn();
        if job.attempt > job.max_attempts {
            // A previous worker died during the last allowed attempt; do not exceed the limit.
            let error = "the worker running the final attempt stopped before finishing";
            return self.give_up(&job, error).await;
        }
        let outcome = match self.registry.handler(&job.kind).cloned() {
            None => Err(format!("no handler for job kind `{}`", job.kind)),
            Some(handler) => match self.run_with_heartbeat(handler, job.clone()).await {
                Ran::Finished(outcome) => outcome,
                Ran::Stopped => return self.hand_back(&job).await,
            },
        };
        let now = time::now();
        match outcome {
            Ok(()) => {
                if self
                    .app
                    .db
                    .bounded(claim::mark_done(conn, job.id, &self.worker_id, now))
                    .await?
                {
                    crate::telemetry::metrics::record_job(&job.kind, "done");
                    info!("job done");
                } else {
                    warn!("job finished after its lease was taken over; outcome not recorded");
                }
            }
            Err(error) if job.attempt >= job.max_attempts => {
                self.give_up(&job, &error).await?;
            }
            Err(error) => {
                let delay = backoff::delay_after_attempt(
                    job.attempt,
                    self.config.base_backoff,
                    self.config.max_backoff,
                );
                let next = AfterFailure::RetryAt(now + to_delta(delay));
                self.app
                    .db
                    .bounded(claim::mark_failed(
                        conn,
                        job.id,
                        &self.worker_id,
                        &error,
                        next,
                        now,
                    ))
                    .await?;
                crate::telemetry::metrics::record_job(&job.kind, "retry");
                warn!(%error, "job attempt failed; will retry");
            }
        }
        Ok(())
    }

    /// Ends a job that is out of attempts: its kind's gave-up step first, then `FAILED`. When
    /// the step itself fails (say the database blinked), the job goes back to the queue; its
    /// next claim is past the limit again and lands here, so the step is retried, not skipped.
    async fn give_up(&self, job: &ClaimedJob, error: &str) -> anyhow::Result<()> {
        let conn = self.app.db.conn();
        let step = match self.registry.handler(&job.kind) {
            Some(handler) => handler.gave_up(&self.app, job, error).await,
            None => Ok(()),
        };
        let now = time::now();
        match step {
            Ok(()) => {
                self.app
                    .db
                    .bounded(claim::mark_failed(
                        conn,
                        job.id,
                        &self.worker_id,
                        error,
                        AfterFailure::GiveUp,
                        now,
                    ))
                    .await?;
                crate::telemetry::metrics::record_job(&job.kind, "failed");
                warn!(%error, "job failed for good");
            }
            Err(step_error) => {
                let error =
                    format!("{error}; marking its work failed did not work: {step_error:#}");
                let retry_at = now + to_delta(self.config.base_backoff);
                self.app
                    .db
                    .bounded(claim::mark_failed(
                        conn,
                        job.id,
                        &self.worker_id,
                        &error,
                        AfterFailure::RetryAt(retry_at),
                        now,
                    ))
                    .await?;
                warn!(%error, "job gave up but its gave-up step failed; will try the step again");
            }
        }
        Ok(())
    }

    /// Returns a job whose run the shutdown cut short to the queue, so the next worker runs
    /// it at once instead of waiting for the lease to lapse.
    async fn hand_back(&self, job: &ClaimedJob) -> anyhow::Result<()> {
        let released = claim::release(self.app.db.conn(), job.id, &self.worker_id, time::now());
        match tokio::time::timeout(RELEASE_LIMIT, released).await {
            Ok(Ok(true)) => {
                info!("shutting down: the running job was stopped and returned to the queue")
            }
            Ok(Ok(false)) => {
                info!("shutting down: the running job was stopped; another worker holds it now")
            }
            Ok(Err(error)) => {
                warn!(%error, "shutting down: the stopped job could not be returned to the queue; it runs again when its lease lapses")
            }
            Err(_) => warn!(
                "shutting down: the database did not answer in time to return the stopped job; it runs again when its lease lapses"
            ),
        }
        Ok(())
    }

    /// Runs the handler in its own task (so a panic is an error, not a dead worker) while
    /// extending the lease every third of its length. When the worker is told to release its
    /// jobs, the handler is stopped (and fully dropped) before this returns.
    async fn run_with_heartbeat(
        &self,
        handler: Arc<dyn super::JobHandler>,
        job: ClaimedJob,
    ) -> Ran {
        let app = self.app.clone();
        let job_id = job.id;
        let mut task = tokio::spawn(async move { handler.run(&app, &job).await }.in_current_span());
        let beat = (self.config.lease / 3).max(Duration::from_millis(50));
        let mut release = self.release.clone();
        loop {
            tokio::select! {
                joined = &mut task => {
                    return Ran::Finished(match joined {
                        Ok(Ok(())) => Ok(()),
                        Ok(Err(error)) => Err(format!("{error:#}")),
                        Err(join_error) => Err(format!("the job panicked: {join_error}")),
                    });
                }
                _ = async { release.wait_for(|release| *release).await.is_ok() } => {
                    task.abort();
                    // Wait for the abort to land, so nothing of the job runs on afterwards.
                    let _ = (&mut task).await;
                    return Ran::Stopped;
                }
                _ = tokio::time::sleep(beat) => {
                    let until = time::now() + self.lease();
                    if let Err(error) = self.app.db.bounded(claim::extend_lease(self.app.db.conn(), job_id, &self.worker_id, until)).await {
                        warn!(%error, "could not extend the job's lease");
                    }
                }
            }
        }
    }

    fn lease(&self) -> TimeDelta {
        to_delta(self.config.lease)
    }
}

fn to_delta(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}
