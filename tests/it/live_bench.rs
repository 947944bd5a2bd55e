//! A measurement, not a test (it asserts nothing about time): how long a change made on one
//! instance takes to reach 200 streams open on two instances, by backend. Run it with
//!
//!   OPS_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!     cargo test --test it live_bench -- --ignored --nocapture
//!
//! and copy what it prints to docs/DEPLOY.md ("Live updates across instances: measured").
//! Latency is from just before the change's request is sent until a stream reads the event.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::mpsc;

use crate::{
    live_instances::{SseReader, rename, same_person_on},
    support::{Backend, TestApp, TestOptions, personas, wait_until, work::create_item},
};

const STREAMS: usize = 200;
const CHANGES: usize = 40;

fn options() -> TestOptions {
    TestOptions {
        env: vec![("RATE_LIMIT_API_PER_MINUTE".into(), "100000".into())],
        ..TestOptions::default()
    }
}

/// Reads one stream until it ends, reporting (change number, when it arrived).
fn watch(mut stream: SseReader, id: String, seen: mpsc::UnboundedSender<(usize, Instant)>) {
    tokio::spawn(async move {
        while let Some(item) = stream.next_item(Duration::from_secs(60)).await {
            let title = item["title"].as_str().unwrap_or_default();
            if item["id"] == id.as_str()
                && let Some(n) = title.strip_prefix("bench-").and_then(|n| n.parse().ok())
                && seen.send((n, Instant::now())).is_err()
            {
                return;
            }
        }
    });
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

async fn measure(backend: Backend) {
    let first = TestApp::spawn_with(backend, options()).await;
    let second = TestApp::spawn_on(first.database.clone(), options()).await;
    let staff = personas::staff(&first).await;
    let on_second = same_person_on(&second, &staff).await;
    let item = create_item(&first, &staff, json!({"title": "bench"})).await;
    let id = item["id"].as_str().unwrap().to_string();
    if backend == Backend::Postgres {
        let both = || async { first.app.live.is_listening() && second.app.live.is_listening() };
        wait_until(10, "both listeners", both).await;
    }
    let (seen_tx, mut seen_rx) = mpsc::unbounded_channel();
    for n in 0..STREAMS {
        let (app, who) = if n % 2 == 0 {
            (&first, &staff)
        } else {
            (&second, &on_second)
        };
        watch(
            SseReader::open(app, &who.client).await,
            id.clone(),
            seen_tx.clone(),
        );
    }
    drop(seen_tx);
    tokio::time::sleep(Duration::from_secs(2)).await;

    let mut latencies = Vec::with_capacity(STREAMS * CHANGES);
    let mut late = 0;
    for change in 0..CHANGES {
        // Alternate which instance makes the change, so both directions are measured.
        let (app, who) = if change % 2 == 0 {
            (&first, &staff)
        } else {
            (&second, &on_second)
        };
        let sent = Instant::now();
        rename(app, who, &id, &format!("bench-{change}")).await;
        let mut arrived = 0;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while arrived < STREAMS {
            match tokio::time::timeout_at(deadline, seen_rx.recv()).await {
                Ok(Some((n, at))) if n == change => {
                    latencies.push(at - sent);
                    arrived += 1;
                }
                Ok(Some(_)) => {}
                _ => break,
            }
        }
        late += STREAMS - arrived;
        // Spaced out like people's edits, not a burst.
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    latencies.sort();
    println!(
        "live updates, {backend:?}: {STREAMS} streams on 2 instances, {CHANGES} changes, {} deliveries: \
         p50 {:?}, p95 {:?}, p99 {:?}, max {:?}; not delivered within 10 s: {late}",
        latencies.len(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.95),
        percentile(&latencies, 0.99),
        latencies.last().unwrap(),
    );
    second.stop().await;
    first.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run by hand with --ignored --nocapture"]
async fn live_update_latency_across_two_instances() {
    measure(Backend::Sqlite).await;
    if crate::support::database::postgres_available() {
        measure(Backend::Postgres).await;
    }
}
