//! Live updates across instances: a change made through one instance reaches a stream open on
//! another. On PostgreSQL the change travels by LISTEN/NOTIFY (it arrives through the instance's
//! listener, not by polling) and survives the listener's connection being cut; on SQLite the
//! streams poll the shared file.

use std::{sync::Arc, time::Duration};

use reqwest::Method;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, TestOptions, personas,
        personas::Persona,
        wait_until,
        work::{call, create_item},
    },
};

/// An open `/api/stream`, read message by message.
pub struct SseReader {
    response: reqwest::Response,
    buffer: String,
}

impl SseReader {
    pub async fn open(app: &TestApp, who: &reqwest::Client) -> SseReader {
        let response = who.get(app.url("/api/stream")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        SseReader {
            response,
            buffer: String::new(),
        }
    }

    /// The next `item` event's JSON, or `None` if none comes within `limit`.
    pub async fn next_item(&mut self, limit: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let message: String = self.buffer.drain(..end + 2).collect();
                if message.lines().any(|line| line == "event: item")
                    && let Some(data) = message.lines().find_map(|l| l.strip_prefix("data: "))
                {
                    return Some(serde_json::from_str(data).expect("item events are JSON"));
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk()).await;
            match chunk {
                Ok(Ok(Some(bytes))) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                _ => return None,
            }
        }
    }

    /// Reads item events until one for `id` has `title`; false if none comes within `limit`.
    pub async fn wait_for_title(&mut self, id: &str, title: &str, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        while let Some(left) = deadline.checked_duration_since(tokio::time::Instant::now()) {
            match self.next_item(left).await {
                Some(item) if item["id"] == id && item["title"] == title => return true,
                Some(_) => {}
                None => return false,
            }
        }
        false
    }
}

/// The same person as `who`, signed in on another instance.
pub async fn same_person_on(app: &TestApp, who: &Persona) -> Persona {
    let client = personas::sign_in(app, &who.user.email, personas::PASSWORD).await;
    let me: Value = client
        .get(app.url("/api/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Persona {
        client,
        user: who.user.clone(),
        csrf: me["data"]["csrfToken"].as_str().unwrap().to_string(),
    }
}

/// Whether the instance's listener passes on a change of `id` within 10 seconds.
async fn heard_by_listener(
    heard: &mut ops_desktop::services::live::hub::Subscription,
    id: &str,
) -> bool {
    let look = async {
        while let Ok(batch) = heard.changes.recv().await {
            if batch.iter().any(|change| change.id.to_string() == id) {
                return true;
            }
        }
        false
    };
    tokio::time::timeout(Duration::from_secs(10), look)
        .await
        .unwrap_or(false)
}

pub async fn rename(app: &TestApp, who: &Persona, id: &str, title: &str) {
    let path = format!("/api/work-items/{id}");
    let (status, body) = call(
        app,
        who,
        Method::PATCH,
        &path,
        Some(json!({"title": title})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

async fn a_change_on_one_instance_reaches_a_stream_on_another(backend: Backend) {
    let first = TestApp::spawn(backend).await;
    let second = TestApp::spawn_on(first.database.clone(), TestOptions::default()).await;
    let staff = personas::staff(&first).await;
    let watcher = same_person_on(&second, &staff).await;
    let item = create_item(&first, &staff, json!({"title": "Before"})).await;
    let id = item["id"].as_str().unwrap().to_string();
    if backend == Backend::Postgres {
        wait_until(10, "the second instance's listener", || async {
            second.app.live.is_listening()
        })
        .await;
    }
    let mut heard = second.app.live.subscribe();
    let mut stream = SseReader::open(&second, &watcher.client).await;

    rename(&first, &staff, &id, "Changed on the first instance").await;
    assert!(
        stream
            .wait_for_title(
                &id,
                "Changed on the first instance",
                Duration::from_secs(10)
            )
            .await,
        "the change reached the second instance's stream"
    );
    if backend == Backend::Postgres {
        // It came by notification: the listener passed it on (polling bypasses the hub).
        assert!(
            heard_by_listener(&mut heard, &id).await,
            "the listener heard the change"
        );
        let metrics = second.get("/metrics").await.text().await.unwrap();
        assert!(
            metrics.contains("\nops_live_listener_connected 1\n"),
            "{metrics}"
        );
    }
    second.stop().await;
    first.stop().await;
}

on_both_backends!(a_change_on_one_instance_reaches_a_stream_on_another);

/// Ends every connection listening for item changes on this test's database.
async fn cut_listeners(app: &TestApp) -> u64 {
    let db = app.database.connect().await;
    let rows = sea_orm::ConnectionTrait::execute_unprepared(
        db.conn(),
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .await
    .unwrap()
    .rows_affected();
    db.close().await.unwrap();
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listener_reconnects_and_no_change_is_lost_meanwhile() {
    if !crate::support::database::postgres_available() {
        return;
    }
    let first = TestApp::spawn(Backend::Postgres).await;
    let second = TestApp::spawn_on(first.database.clone(), TestOptions::default()).await;
    let staff = personas::staff(&first).await;
    let watcher = same_person_on(&second, &staff).await;
    let item = create_item(&first, &staff, json!({"title": "Before"})).await;
    let id = item["id"].as_str().unwrap().to_string();
    let listening = || async { second.app.live.is_listening() && first.app.live.is_listening() };
    wait_until(10, "both listeners", listening).await;
    let before = *second.app.live.subscribe().listening.borrow();
    let mut stream = SseReader::open(&second, &watcher.client).await;

    assert!(cut_listeners(&first).await >= 2, "both listeners were cut");
    // Changed while the listeners are away: the streams catch up by polling.
    rename(&first, &staff, &id, "Changed while cut off").await;
    assert!(
        stream
            .wait_for_title(&id, "Changed while cut off", Duration::from_secs(10))
            .await,
        "a change made while the listener was away still arrives"
    );
    let hub = Arc::clone(&second.app.live);
    wait_until(15, "the listener to reconnect", || {
        let hub = hub.clone();
        async move {
            let now = *hub.subscribe().listening.borrow();
            now.is_some() && now != before
        }
    })
    .await;
    let mut heard = second.app.live.subscribe();
    rename(&first, &staff, &id, "Changed after the reconnection").await;
    assert!(
        stream
            .wait_for_title(
                &id,
                "Changed after the reconnection",
                Duration::from_secs(10)
            )
            .await
    );
    assert!(
        heard_by_listener(&mut heard, &id).await,
        "the reconnected listener hears changes again"
    );
    second.stop().await;
    first.stop().await;
}

/// Pauses (`STOP`) or resumes (`CONT`) the server processes listening on this test's database:
/// their sockets stay open but nothing reaches the listeners, as on a dead network path.
async fn signal_listeners(app: &TestApp, signal: &str) -> usize {
    let db = app.database.connect().await;
    let pids: Vec<i32> = db
        .conn()
        .query_all_raw(sea_orm::Statement::from_string(
            db.backend(),
            "SELECT pid FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN%'",
        ))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get_by_index::<i32>(0).unwrap())
        .collect();
    db.close().await.unwrap();
    for pid in &pids {
        let status = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal} {pid}");
    }
    pids.len()
}

/// A listener whose connection stays open but hears nothing is found out by its heartbeat,
/// replaced, and the change made meanwhile still reaches the stream. Needs the PostgreSQL
/// server on this machine (it pauses the server's processes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_that_hears_nothing_is_replaced() {
    if !crate::support::database::postgres_available() {
        return;
    }
    let first = TestApp::spawn(Backend::Postgres).await;
    let staff = personas::staff(&first).await;
    let item = create_item(&first, &staff, json!({"title": "Before"})).await;
    let id = item["id"].as_str().unwrap().to_string();
    wait_until(10, "the listener", || async {
        first.app.live.is_listening()
    })
    .await;
    let before = *first.app.live.subscribe().listening.borrow();
    let mut stream = SseReader::open(&first, &staff.client).await;

    assert_eq!(signal_listeners(&first, "STOP").await, 1);
    rename(&first, &staff, &id, "Changed while deaf").await;
    let hub = Arc::clone(&first.app.live);
    let replaced = async {
        loop {
            let now = *hub.subscribe().listening.borrow();
            if now.is_some() && now != before {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let replaced = tokio::time::timeout(Duration::from_secs(40), replaced).await;
    // Resume the paused process whatever happened, so it can end.
    let db = first.database.connect().await;
    for row in db
        .conn()
        .query_all_raw(sea_orm::Statement::from_string(
            db.backend(),
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()",
        ))
        .await
        .unwrap()
    {
        let pid = row.try_get_by_index::<i32>(0).unwrap();
        let _ = std::process::Command::new("kill")
            .args(["-CONT", &pid.to_string()])
            .status();
    }
    db.close().await.unwrap();
    assert!(replaced.is_ok(), "the deaf listener was replaced");
    assert!(
        stream
            .wait_for_title(&id, "Changed while deaf", Duration::from_secs(10))
            .await,
        "the change made while the listener was deaf arrives"
    );
    first.stop().await;
}
