//! The metrics the runbook's alerts read (docs/RUNBOOK.md): how long the oldest due job has
//! waited, webhooks turned away by reason, readiness; and every metric the runbook names exists.

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use ops_desktop::{
    app::App,
    db::{entities::job, time},
    jobs::{self, ClaimedJob, JobHandler, JobRegistry, JobSpec, WorkerConfig},
};
use sea_orm::{ActiveModelTrait, Set};
use sea_orm_migration::MigratorTrait;
use serde_json::json;
use tokio::sync::Notify;

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, TestOptions,
        ghl::{self, Shape, WebhookSigner},
        wait_until,
    },
};

/// The value of the sample `name` (a full series name, labels included) in an exposition.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

async fn scrape(app: &TestApp) -> String {
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

/// Holds the only worker slot until released, so queued jobs stay queued.
struct Blocker {
    release: Arc<Notify>,
    started: Arc<Notify>,
}

const BLOCKER: JobSpec = JobSpec {
    kind: "test.blocker",
    max_attempts: 1,
};

#[async_trait]
impl JobHandler for Blocker {
    fn spec(&self) -> JobSpec {
        BLOCKER
    }

    async fn run(&self, _app: &App, _job: &ClaimedJob) -> anyhow::Result<()> {
        self.started.notify_one();
        self.release.notified().await;
        Ok(())
    }
}

/// A queued job of an unknown kind, due `due_ago` ago (negative: due in the future).
async fn insert_queued(app: &TestApp, due_ago: chrono::Duration) {
    let now = time::now();
    job::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        kind: Set("test.waiting".into()),
        payload: Set(json!({})),
        state: Set(jobs::state::QUEUED.into()),
        attempts: Set(0),
        max_attempts: Set(1),
        run_at: Set(time::truncate(now - due_ago)),
        locked_until: Set(None),
        locked_by: Set(None),
        last_error: Set(None),
        created_at: Set(now - due_ago),
        updated_at: Set(now - due_ago),
        finished_at: Set(None),
    }
    .insert(app.db().conn())
    .await
    .unwrap();
}

async fn the_oldest_due_job_age_counts_only_jobs_that_wait(backend: Backend) {
    let release = Arc::new(Notify::new());
    let started = Arc::new(Notify::new());
    let app = TestApp::spawn_with(
        backend,
        TestOptions {
            registry: JobRegistry::default().register(Arc::new(Blocker {
                release: release.clone(),
                started: started.clone(),
            })),
            worker: WorkerConfig {
                concurrency: 1,
                poll_interval: Duration::from_millis(25),
                ..WorkerConfig::default()
            },
            ..TestOptions::default()
        },
    )
    .await;
    let age = "ops_jobs_oldest_due_age_seconds";
    assert_eq!(sample(&scrape(&app).await, age), Some(0.0), "nothing waits");

    // The one worker slot is busy, so what is queued now waits.
    jobs::enqueue(app.db().conn(), BLOCKER, json!({}), None)
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(20), started.notified())
        .await
        .expect("the blocker runs");

    insert_queued(&app, chrono::Duration::hours(-1)).await;
    assert_eq!(
        sample(&scrape(&app).await, age),
        Some(0.0),
        "a job scheduled for later is not waiting"
    );
    insert_queued(&app, chrono::Duration::seconds(600)).await;
    insert_queued(&app, chrono::Duration::seconds(120)).await;
    let waited = sample(&scrape(&app).await, age).expect("the gauge is there");
    assert!(
        (600.0..660.0).contains(&waited),
        "the oldest due job has waited about ten minutes, not {waited}"
    );

    release.notify_one();
    wait_until(20, "the waiting jobs to be taken", || async {
        sample(&scrape(&app).await, age) == Some(0.0)
    })
    .await;
    app.stop().await;
}

async fn rejected_webhooks_are_counted_by_reason(backend: Backend) {
    let signer = WebhookSigner::new();
    let app = TestApp::spawn_with(
        backend,
        TestOptions {
            env: signer.env(),
            ..TestOptions::default()
        },
    )
    .await;
    let series = |reason: &str| format!("ops_webhooks_rejected_total{{reason=\"{reason}\"}}");
    let before = scrape(&app).await;
    for reason in [
        "signature",
        "throttled",
        "malformed",
        "stale",
        "location",
        "too_large",
    ] {
        assert!(
            sample(&before, &series(reason)).is_some(),
            "{reason} is written before its first count:\n{before}"
        );
    }
    let count = |text: &str, reason: &str| sample(text, &series(reason)).unwrap();

    let body = serde_json::to_vec(&ghl::contact_create("c1", Shape::Flat)).unwrap();
    for _ in 0..2 {
        assert_eq!(ghl::post_raw(&app, &body, &[]).await.status(), 401);
    }
    let not_json = b"{not json";
    let signed = [("x-ghl-signature", signer.sign(not_json))];
    assert_eq!(ghl::post_raw(&app, not_json, &signed).await.status(), 400);
    // Refused in front of the handler (a control character, a body over the limit), and by
    // the handler's own check of a body not labelled JSON: counted all the same.
    let control = br#"{"type":"ContactCreate","note":"a\u0000b"}"#;
    assert_eq!(ghl::post_raw(&app, control, &[]).await.status(), 400);
    let unlabelled = app
        .client
        .post(app.url("/api/webhooks/ghl"))
        .header("content-type", "text/plain")
        .body(control.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(unlabelled.status(), 400);
    let too_large = vec![b' '; 1024 * 1024 + 1];
    assert_eq!(ghl::post_raw(&app, &too_large, &[]).await.status(), 413);
    let (status, _) =
        ghl::post_signed(&app, &signer, &ghl::contact_create("c2", Shape::Flat)).await;
    assert_eq!(status, 200);

    // The counters are per process and other tests run beside this one, so each reason has
    // grown by at least what was sent here.
    let after = scrape(&app).await;
    assert!(count(&after, "signature") >= count(&before, "signature") + 2.0);
    assert!(count(&after, "malformed") >= count(&before, "malformed") + 3.0);
    assert!(count(&after, "too_large") >= count(&before, "too_large") + 1.0);
    app.stop().await;
}

async fn readiness_is_in_the_scrape_too(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(sample(&scrape(&app).await, "ops_ready"), Some(1.0));
    ops_desktop::db::Migrator::down(app.db().conn(), Some(1))
        .await
        .unwrap();
    assert_eq!(
        sample(&scrape(&app).await, "ops_ready"),
        Some(0.0),
        "a migration is pending"
    );
    app.db().migrate().await.unwrap();
    assert_eq!(sample(&scrape(&app).await, "ops_ready"), Some(1.0));
    app.stop().await;
}

/// Every `ops_…` name in the runbook is a metric family `/metrics` declares (a summary's
/// `_sum` and `_count` included), so an alert written from it cannot watch nothing.
async fn every_metric_the_runbook_names_exists(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let text = scrape(&app).await;
    let mut declared = std::collections::BTreeSet::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split_whitespace();
            let (name, kind) = (parts.next().unwrap(), parts.next().unwrap());
            declared.insert(name.to_string());
            if kind == "summary" {
                declared.insert(format!("{name}_sum"));
                declared.insert(format!("{name}_count"));
            }
        }
    }
    let runbook = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/RUNBOOK.md"))
        .expect("docs/RUNBOOK.md exists");
    let named = metric_names(&runbook);
    assert!(named.len() >= 6, "the runbook names its metrics: {named:?}");
    let missing: Vec<_> = named.difference(&declared).collect();
    assert!(
        missing.is_empty(),
        "the runbook names metrics /metrics lacks: {missing:?}\n{text}"
    );
    app.stop().await;
}

/// The words in `text` that look like metric names: `ops_` then lowercase, digits, `_`.
fn metric_names(text: &str) -> std::collections::BTreeSet<String> {
    let mut names = std::collections::BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("ops_") {
        let before = rest[..at].chars().next_back();
        let word: String = rest[at..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        if !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            names.insert(word.trim_end_matches('_').to_string());
        }
        rest = &rest[at + 4..];
    }
    names
}

on_both_backends!(
    the_oldest_due_job_age_counts_only_jobs_that_wait,
    rejected_webhooks_are_counted_by_reason,
    readiness_is_in_the_scrape_too,
    every_metric_the_runbook_names_exists,
);
