//! Graceful shutdown: stop accepting, finish in-flight requests and the running job, exit 0
//! within 10 seconds; a job that outlives the grace is stopped and handed back to the queue.

use std::{
    process::Stdio,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use async_trait::async_trait;
use axum::routing::get;
use ops_desktop::{
    app::App,
    db::entities::job,
    jobs::{self, ClaimedJob, JobHandler, JobRegistry, JobSpec},
};
use sea_orm::EntityTrait;
use serde_json::json;

use crate::{
    on_both_backends,
    support::{Backend, TestApp, TestDatabase, TestOptions, process, wait_until},
};

struct SlowJob;

#[async_trait]
impl JobHandler for SlowJob {
    fn spec(&self) -> JobSpec {
        JobSpec {
            kind: "test.slow",
            max_attempts: 1,
        }
    }

    async fn run(&self, _app: &App, _job: &ClaimedJob) -> anyhow::Result<()> {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        Ok(())
    }
}

async fn shutdown_finishes_in_flight_requests_and_the_running_job(backend: Backend) {
    let request_started = Arc::new(AtomicBool::new(false));
    let started_flag = request_started.clone();
    let options = TestOptions {
        registry: JobRegistry::default().register(Arc::new(SlowJob)),
        extra_routes: axum::Router::new().route(
            "/api/test/slow",
            get(move || {
                let started_flag = started_flag.clone();
                async move {
                    started_flag.store(true, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(1000)).await;
                    "finished"
                }
            }),
        ),
        ..TestOptions::default()
    };
    let mut app = TestApp::spawn_with(backend, options).await;
    let job_id = jobs::enqueue(app.db().conn(), SlowJob.spec(), json!({}), None)
        .await
        .unwrap();
    let db = app.db().clone();
    wait_until(10, "the job to start", || async {
        job::Entity::find_by_id(job_id.0)
            .one(db.conn())
            .await
            .unwrap()
            .unwrap()
            .state
            == "RUNNING"
    })
    .await;
    let in_flight = tokio::spawn(app.client.get(app.url("/api/test/slow")).send());
    wait_until(10, "the request to reach its handler", || {
        let started = request_started.load(Ordering::SeqCst);
        async move { started }
    })
    .await;

    let began = std::time::Instant::now();
    let server = app.begin_shutdown();
    let response = in_flight
        .await
        .unwrap()
        .expect("the in-flight request is answered");
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "finished");
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("stopped within 10 seconds")
        .unwrap()
        .unwrap();
    assert!(began.elapsed() < Duration::from_secs(10));

    assert!(
        app.client.get(app.url("/healthz")).send().await.is_err(),
        "no longer accepting connections"
    );
    let fresh = app.database.connect().await;
    let finished = job::Entity::find_by_id(job_id.0)
        .one(fresh.conn())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        finished.state, "DONE",
        "the running job was allowed to finish"
    );
    fresh.close().await.unwrap();
}

async fn sigterm_stops_the_binary_cleanly(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let workdir = tempfile::tempdir().unwrap();
    let port = process::free_port();
    let bind = format!("127.0.0.1:{port}");
    let mut child = process::command(
        workdir.path(),
        &[
            ("DATABASE_URL", &database.url),
            ("BIND_ADDR", &bind),
            ("LOG_LEVEL", "info"),
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .expect("the binary starts");
    process::wait_until_ready(&format!("http://{bind}/readyz"), Duration::from_secs(60)).await;

    process::signal(&child, "TERM");
    let status = process::wait_with_limit(&mut child, Duration::from_secs(10));
    if status.is_none() {
        let _ = child.kill();
    }
    let status = status.expect("exited within 10 seconds of SIGTERM");
    assert!(status.success(), "exit status {status:?}");
}

/// A job that runs far longer than the shutdown grace; `stopped` turns true when its run is
/// dropped unfinished.
struct EndlessJob {
    stopped: Arc<AtomicBool>,
}

struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[async_trait]
impl JobHandler for EndlessJob {
    fn spec(&self) -> JobSpec {
        JobSpec {
            kind: "test.endless",
            max_attempts: 1,
        }
    }

    async fn run(&self, _app: &App, _job: &ClaimedJob) -> anyhow::Result<()> {
        let guard = SetOnDrop(self.stopped.clone());
        tokio::time::sleep(Duration::from_secs(120)).await;
        std::mem::forget(guard);
        Ok(())
    }
}

/// The same kind, finishing at once: the next instance's version of the job.
struct QuickJob;

#[async_trait]
impl JobHandler for QuickJob {
    fn spec(&self) -> JobSpec {
        JobSpec {
            kind: "test.endless",
            max_attempts: 1,
        }
    }

    async fn run(&self, _app: &App, _job: &ClaimedJob) -> anyhow::Result<()> {
        Ok(())
    }
}

async fn a_job_outliving_the_grace_is_stopped_and_handed_back(backend: Backend) {
    let stopped = Arc::new(AtomicBool::new(false));
    let endless = Arc::new(EndlessJob {
        stopped: stopped.clone(),
    });
    let options = TestOptions {
        registry: JobRegistry::default().register(endless.clone()),
        ..TestOptions::default()
    };
    let mut app = TestApp::spawn_with(backend, options).await;
    let job_id = jobs::enqueue(app.db().conn(), endless.spec(), json!({}), None)
        .await
        .unwrap();
    let db = app.db().clone();
    wait_until(10, "the job to start", || async {
        job::Entity::find_by_id(job_id.0)
            .one(db.conn())
            .await
            .unwrap()
            .unwrap()
            .state
            == "RUNNING"
    })
    .await;

    let began = std::time::Instant::now();
    tokio::time::timeout(Duration::from_secs(10), app.begin_shutdown())
        .await
        .expect("stopped within 10 seconds")
        .unwrap()
        .unwrap();
    assert!(began.elapsed() < Duration::from_secs(10));
    assert!(
        stopped.load(Ordering::SeqCst),
        "the job's run was stopped, not left running against a closed pool"
    );
    let fresh = app.database.connect().await;
    let released = job::Entity::find_by_id(job_id.0)
        .one(fresh.conn())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(released.state, "QUEUED", "handed back, not left RUNNING");
    assert_eq!(released.locked_by, None);
    assert_eq!(
        released.attempts, 0,
        "the cut-short run does not count as an attempt"
    );
    fresh.close().await.unwrap();

    // The next instance runs it at once (with one attempt allowed, a counted attempt would
    // have made it give up instead).
    let next = TestApp::spawn_on(
        app.database.clone(),
        TestOptions {
            registry: JobRegistry::default().register(Arc::new(QuickJob)),
            ..TestOptions::default()
        },
    )
    .await;
    let db = next.db().clone();
    wait_until(10, "the next instance to finish the job", || async {
        job::Entity::find_by_id(job_id.0)
            .one(db.conn())
            .await
            .unwrap()
            .unwrap()
            .state
            == "DONE"
    })
    .await;
    next.stop().await;
}

/// The built binary with a HighLevel delivery stuck on a HighLevel that takes the connection
/// and never answers (its 15 s call limit outlasts the 8 s grace). On SIGTERM it stops the job,
/// hands it back, says so once, and exits 0 — and its log, captured from a pipe, holds no
/// warning or error (nothing about a pool closed under the job) and no colour codes.
async fn a_real_process_hands_back_a_job_outliving_the_grace_quietly(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let workdir = tempfile::tempdir().unwrap();
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_base = format!("http://{}", silent.local_addr().unwrap());
    let (called_tx, mut called) = tokio::sync::mpsc::unbounded_channel();
    let _silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
            let _ = called_tx.send(());
        }
    });
    let bind = format!("127.0.0.1:{}", process::free_port());
    let env = [
        ("DATABASE_URL", database.url.as_str()),
        ("BIND_ADDR", bind.as_str()),
        ("LOG_LEVEL", "info"),
        ("LOG_FORMAT", "pretty"),
        ("GHL_API_KEY", "test-key"),
        ("GHL_LOCATION_ID", "loc-test"),
        ("GHL_API_BASE", silent_base.as_str()),
    ];
    let admin = ["--email", "admin@example.com"];
    let created = process::run(
        workdir.path(),
        &env,
        &[
            &["user", "create"][..],
            &admin,
            &["--name", "Admin", "--role", "admin"],
        ]
        .concat(),
        "",
    );
    assert!(created.status.success(), "{created:?}");
    let token = process::run(
        workdir.path(),
        &env,
        &[&["token", "create"][..], &admin, &["--name", "shutdown"]].concat(),
        "",
    );
    let token = String::from_utf8(token.stdout).unwrap();
    let token = token.lines().last().expect("the token").trim().to_string();

    let mut child = process::command(workdir.path(), &env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let output = process::collect_output(&mut child);
    process::wait_until_ready(&format!("http://{bind}/readyz"), Duration::from_secs(60)).await;
    let queued = reqwest::Client::new()
        .post(format!("http://{bind}/api/ghl/events"))
        .bearer_auth(&token)
        .json(&json!({"action": "addNote", "contactId": "c1", "body": "Hello"}))
        .send()
        .await
        .unwrap();
    assert_eq!(queued.status(), 202);
    tokio::time::timeout(Duration::from_secs(20), called.recv())
        .await
        .expect("the delivery job calls HighLevel");

    process::signal(&child, "TERM");
    let status = process::wait_with_limit(&mut child, Duration::from_secs(10));
    if status.is_none() {
        let _ = child.kill();
    }
    let log = output.join().unwrap();
    let status = status.unwrap_or_else(|| panic!("exited within 10 seconds; its log:\n{log}"));
    assert!(status.success(), "exit status {status:?}; its log:\n{log}");
    assert!(
        log.contains("the running job was stopped and returned to the queue"),
        "{log}"
    );
    let noisy: Vec<&str> = log
        .lines()
        .filter(|line| line.contains(" WARN ") || line.contains(" ERROR "))
        .collect();
    assert!(
        noisy.is_empty(),
        "warnings or errors on a clean shutdown:\n{log}"
    );
    assert!(
        !log.contains('\u{1b}'),
        "colour codes in piped output:\n{log}"
    );

    let db = database.connect().await;
    let jobs = job::Entity::find().all(db.conn()).await.unwrap();
    let delivery = jobs
        .iter()
        .find(|job| job.kind == "ghl.deliver")
        .expect("the delivery job");
    assert_eq!(delivery.state, "QUEUED", "handed back, not left RUNNING");
    assert_eq!(delivery.attempts, 0);
    db.close().await.unwrap();
}

on_both_backends!(
    a_real_process_hands_back_a_job_outliving_the_grace_quietly,
    a_job_outliving_the_grace_is_stopped_and_handed_back,
    shutdown_finishes_in_flight_requests_and_the_running_job,
    sigterm_stops_the_binary_cleanly,
);
