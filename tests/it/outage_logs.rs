//! The log survives an outage: a real server under load through a 20-second database outage,
//! with backtraces switched on, writes a few hundred KB at most, and says how many identical
//! lines it left out instead of writing each.

use std::{
    io::Read,
    process::{Child, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use ops_desktop::{
    auth::api_tokens,
    domain::ids::UserId,
    services::{
        audit::Actor,
        users::{self, NewUser},
    },
};
use reqwest::StatusCode;
use serde_json::json;

use crate::{
    on_both_backends,
    support::{Backend, outage::OutageSwitch, process},
};

const OUTAGE: Duration = Duration::from_secs(20);
/// "A few hundred KB": before repeated lines were summarised, such an outage wrote megabytes.
const LOG_BUDGET: usize = 300 * 1024;

/// Everything the server writes, as it writes it.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn follow(&self, mut from: impl Read + Send + 'static) {
        let sink = self.0.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(n) = from.read(&mut buffer) {
                if n == 0 {
                    return;
                }
                sink.lock().unwrap().extend_from_slice(&buffer[..n]);
            }
        });
    }

    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    fn text_from(&self, offset: usize) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()[offset..]).into_owned()
    }
}

/// Creates a person and an API token for them, before the server starts.
async fn prepare(outage: &OutageSwitch) -> String {
    let db = outage.database().connect().await;
    db.migrate().await.unwrap();
    let person = users::create_user(
        &db,
        NewUser {
            email: "flood@example.com".into(),
            name: "Flood".into(),
            role: "STAFF".into(),
            password: None,
        },
    )
    .await
    .unwrap();
    let (token, _) = api_tokens::create(&db, &Actor::system(), UserId(person.id), "load")
        .await
        .unwrap();
    db.close().await.unwrap();
    token
}

fn start(url: &str, workdir: &std::path::Path, bind: &str, log: &Captured) -> Child {
    let data_dir = workdir.join("data").display().to_string();
    let mut child = process::command(
        workdir,
        &[
            ("DATABASE_URL", url),
            ("BIND_ADDR", bind),
            ("OPS_DATA_DIR", &data_dir),
            ("LOG_LEVEL", "info"),
            ("RUST_BACKTRACE", "full"),
            ("DATABASE_ACQUIRE_TIMEOUT_SECS", "1"),
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("the binary starts");
    log.follow(child.stdout.take().unwrap());
    log.follow(child.stderr.take().unwrap());
    child
}

async fn a_twenty_second_outage_writes_a_small_log(backend: Backend) {
    let (mut outage, url) = OutageSwitch::new(backend).await;
    let token = prepare(&outage).await;
    let workdir = tempfile::tempdir().unwrap();
    let bind = format!("127.0.0.1:{}", process::free_port());
    let base = format!("http://{bind}");
    let log = Captured::default();
    let mut child = start(&url, workdir.path(), &bind, &log);
    process::wait_until_ready(&format!("{base}/readyz"), Duration::from_secs(60)).await;

    let client = reqwest::Client::new();
    let create = {
        let client = client.clone();
        let base = base.clone();
        move |title: String| {
            client
                .post(format!("{base}/api/work-items"))
                .bearer_auth(&token)
                .timeout(Duration::from_secs(30))
                .json(&json!({"title": title}))
                .send()
        }
    };
    let first = create("Before".into()).await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);

    let before = log.len();
    outage.begin().await;
    let refused = Arc::new(AtomicUsize::new(0));
    let ends = Instant::now() + OUTAGE;
    let mut load = tokio::task::JoinSet::new();
    for worker in 0..16 {
        let create = create.clone();
        let refused = refused.clone();
        load.spawn(async move {
            let mut n = 0;
            while Instant::now() < ends {
                n += 1;
                if let Ok(response) = create(format!("During {worker}-{n}")).await {
                    assert_ne!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
                    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
                        refused.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        });
    }
    while let Some(joined) = load.join_next().await {
        joined.unwrap();
    }
    let written = log.len() - before;
    let during = log.text_from(before);
    outage.end().await;

    crate::support::wait_until(15, "a write to succeed after the outage", || {
        let create = create.clone();
        async move {
            create("After".into())
                .await
                .is_ok_and(|r| r.status() == StatusCode::CREATED)
        }
    })
    .await;
    process::signal(&child, "TERM");
    let status = process::wait_with_limit(&mut child, Duration::from_secs(10));
    if status.is_none() {
        let _ = child.kill();
    }
    assert!(status.is_some_and(|s| s.success()), "{status:?}");

    let refused = refused.load(Ordering::Relaxed);
    assert!(
        refused > 50,
        "the outage was felt: {refused} requests got 503"
    );
    assert!(
        written <= LOG_BUDGET,
        "{refused} refused requests wrote {written} bytes of log; the start of it:\n{}",
        &during[..during.len().min(4000)]
    );
    assert!(
        during.contains("more in the last 10 s"),
        "repeated lines are summarised:\n{}",
        &during[..during.len().min(4000)]
    );
}

on_both_backends!(a_twenty_second_outage_writes_a_small_log);
