//! The job queue: enqueue in the caller's transaction, retries with backoff, final failure,
//! lease recovery, and several instances on one database never running a job twice.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use async_trait::async_trait;
use ops_desktop::{
    app::App,
    db::{entities::job, time},
    domain::ids::JobId,
    jobs::{self, ClaimedJob, JobHandler, JobRegistry, JobSpec, WorkerConfig},
};
use sea_orm::{ActiveModelTrait, EntityTrait, Set, TransactionTrait};
use serde_json::json;

use crate::{
    on_both_backends,
    support::{Backend, TestApp, TestOptions, wait_until},
};

/// A handler that fails until a given attempt and records every run.
struct Scripted {
    spec: JobSpec,
    succeed_on_attempt: u32,
    work: Duration,
    runs: Arc<Mutex<Vec<(JobId, u32, Instant)>>>,
}

#[async_trait]
impl JobHandler for Scripted {
    fn spec(&self) -> JobSpec {
        self.spec
    }

    async fn run(&self, _app: &App, job: &ClaimedJob) -> anyhow::Result<()> {
        self.runs
            .lock()
            .unwrap()
            .push((job.id, job.attempt, Instant::now()));
        tokio::time::sleep(self.work).await;
        if job.attempt < self.succeed_on_attempt {
            anyhow::bail!("attempt {} failed on purpose", job.attempt);
        }
        Ok(())
    }
}

type Runs = Arc<Mutex<Vec<(JobId, u32, Instant)>>>;

fn scripted(
    kind: &'static str,
    max_attempts: u32,
    succeed_on_attempt: u32,
) -> (Arc<Scripted>, Runs) {
    scripted_with_work(
        kind,
        max_attempts,
        succeed_on_attempt,
        Duration::from_millis(1),
    )
}

fn scripted_with_work(
    kind: &'static str,
    max_attempts: u32,
    succeed_on_attempt: u32,
    work: Duration,
) -> (Arc<Scripted>, Runs) {
    let runs: Runs = Arc::default();
    let handler = Arc::new(Scripted {
        spec: JobSpec { kind, max_attempts },
        succeed_on_attempt,
        work,
        runs: runs.clone(),
    });
    (handler, runs)
}

async fn load(app: &TestApp, id: JobId) -> job::Model {
    job::Entity::find_by_id(id.0)
        .one(app.db().conn())
        .await
        .unwrap()
        .expect("job row")
}

async fn wait_for_state(app: &TestApp, id: JobId, state: &'static str) -> job::Model {
    wait_until(20, state, || async { load(app, id).await.state == state }).await;
    load(app, id).await
}

async fn a_failing_job_is_retried_with_growing_backoff_until_it_succeeds(backend: Backend) {
    let (handler, runs) = scripted("test.flaky", 5, 3);
    let app = TestApp::spawn_with(
        backend,
        TestOptions {
            registry: JobRegistry::default().register(handler.clone()),
            ..TestOptions::default()
        },
    )
    .await;
    let id = jobs::enqueue(app.db().conn(), handler.spec, json!({}), None)
        .await
        .unwrap();
    let done = wait_for_state(&app, id, "DONE").await;
    assert_eq!(done.attempts, 3);
    assert!(done.finished_at.is_some());
    assert_eq!(
        done.last_error.as_deref(),
        Some("attempt 2 failed on purpose")
    );

    let runs = runs.lock().unwrap().clone();
    assert_eq!(runs.iter().map(|r| r.1).collect::<Vec<_>>(), [1, 2, 3]);
    // Base backoff is 100 ms in tests: at least 100 ms, then at least 200 ms between attempts.
    assert!(runs[1].2 - runs[0].2 >= Duration::from_millis(100));
    assert!(runs[2].2 - runs[1].2 >= Duration::from_millis(200));
    app.stop().await;
}

async fn a_job_out_of_attempts_ends_failed_with_its_last_error(backend: Backend) {
    let (handler, runs) = scripted("test.hopeless", 3, u32::MAX);
    let app = TestApp::spawn_with(
        backend,
        TestOptions {
            registry: JobRegistry::default().register(handler.clone()),
            ..TestOptions::default()
        },
    )
    .await;
    let id = jobs::enqueue(app.db().conn(), handler.spec, json!({"n": 1}), None)
        .await
        .unwrap();
    let failed = wait_for_state(&app, id, "FAILED").await;
    assert_eq!(failed.attempts, 3);
    assert_eq!(failed.max_attempts, 3);
    assert_eq!(
        failed.last_error.as_deref(),
        Some("attempt 3 failed on purpose")
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(runs.lock().unwrap().len(), 3, "no attempt beyond the limit");
    app.stop().await;
}

async fn an_unknown_kind_fails_with_a_clear_error(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let spec = JobSpec {
        kind: "test.nobody-handles-this",
        max_attempts: 1,
    };
    let id = jobs::enqueue(app.db().conn(), spec, json!({}), None)
        .await
        .unwrap();
    let failed = wait_for_state(&app, id, "FAILED").await;
    assert!(failed.last_error.unwrap().contains("no handler"));
    app.stop().await;
}

async fn enqueue_belongs_to_the_callers_transaction(backend: Backend) {
    let (handler, _runs) = scripted("test.txn", 1, 1);
    let app = TestApp::spawn_with(
        backend,
        TestOptions {
            registry: JobRegistry::default().register(handler.clone()),
            ..TestOptions::default()
        },
    )
    .await;
    let txn = app.db().begin_write().await.unwrap();
    let rolled_back = jobs::enqueue(&txn, handler.spec, json!({}), None)
        .await
        .unwrap();
    txn.rollback().await.unwrap();
    let txn = app.db().conn().begin().await.unwrap();
    let committed = jobs::enqueue(&txn, handler.spec, json!({}), None)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    wait_for_state(&app, committed, "DONE").await;
    let gone = job::Entity::find_by_id(rolled_back.0)
        .one(app.db().conn())
        .await
        .unwrap();
    assert!(gone.is_none(), "a rolled-back enqueue leaves no job");
    app.stop().await;
}

async fn a_job_whose_worker_died_is_reclaimed_after_its_lease(backend: Backend) {
    let (handler, runs) = scripted("test.orphan", 3, 1);
    let app = TestApp::spawn_with(
        backend,
        TestOptions {
            registry: JobRegistry::default().register(handler.clone()),
            ..TestOptions::default()
        },
    )
    .await;
    let now = time::now();
    let orphan = |locked_until| job::ActiveModel {
        id: Set(JobId::new().0),
        kind: Set("test.orphan".into()),
        payload: Set(json!({})),
        state: Set("RUNNING".into()),
        attempts: Set(1),
        max_attempts: Set(3),
        run_at: Set(now - chrono::TimeDelta::minutes(5)),
        locked_until: Set(Some(locked_until)),
        locked_by: Set(Some("a-worker-that-died".into())),
        last_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        finished_at: Set(None),
    };
    let expired = orphan(now - chrono::TimeDelta::seconds(1))
        .insert(app.db().conn())
        .await
        .unwrap();
    let held = orphan(now + chrono::TimeDelta::minutes(10))
        .insert(app.db().conn())
        .await
        .unwrap();

    let reclaimed = wait_for_state(&app, JobId(expired.id), "DONE").await;
    assert_eq!(reclaimed.attempts, 2, "the reclaim counts as a new attempt");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let still_held = load(&app, JobId(held.id)).await;
    assert_eq!(still_held.state, "RUNNING", "a live lease is respected");
    assert_eq!(still_held.locked_by.as_deref(), Some("a-worker-that-died"));
    assert_eq!(runs.lock().unwrap().len(), 1);
    app.stop().await;
}

async fn two_instances_on_one_database_never_run_a_job_twice(backend: Backend) {
    let (handler, runs) = scripted_with_work("test.once", 1, 1, Duration::from_millis(3));
    let options = || TestOptions {
        registry: JobRegistry::default().register(handler.clone()),
        worker: WorkerConfig {
            concurrency: 4,
            poll_interval: Duration::from_millis(5),
            ..TestOptions::default().worker
        },
        ..TestOptions::default()
    };
    let first = TestApp::spawn_with(backend, options()).await;
    let second = TestApp::spawn_on(first.database.clone(), options()).await;

    const JOBS: usize = 200;
    let txn = first.db().begin_write().await.unwrap();
    for n in 0..JOBS {
        jobs::enqueue(&txn, handler.spec, json!({"n": n}), None)
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();

    wait_until(60, "every job to finish", || async {
        runs.lock().unwrap().len() >= JOBS
            && job::Entity::find()
                .all(first.db().conn())
                .await
                .unwrap()
                .iter()
                .all(|j| j.state == "DONE")
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let runs = runs.lock().unwrap().clone();
    let mut ids: Vec<_> = runs.iter().map(|r| r.0).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(runs.len(), JOBS, "each job ran exactly once");
    assert_eq!(ids.len(), JOBS);
    let all = job::Entity::find().all(first.db().conn()).await.unwrap();
    assert!(all.iter().all(|j| j.attempts == 1));
    let by_worker: std::collections::HashSet<_> = all.iter().map(|j| j.locked_by.clone()).collect();
    assert!(
        by_worker.len() >= 2,
        "both instances took part: {by_worker:?}"
    );
    second.stop().await;
    first.stop().await;
}

on_both_backends!(
    a_failing_job_is_retried_with_growing_backoff_until_it_succeeds,
    a_job_out_of_attempts_ends_failed_with_its_last_error,
    an_unknown_kind_fails_with_a_clear_error,
    enqueue_belongs_to_the_callers_transaction,
    a_job_whose_worker_died_is_reclaimed_after_its_lease,
    two_instances_on_one_database_never_run_a_job_twice,
);
