//! The crash test: 1,000 signed webhooks are sent to the real binary, 16 at a time, while it
//! is killed with SIGKILL part-way and started again. Like HighLevel, the sender retries every
//! delivery that did not get a 2xx. Afterwards every acknowledged event is stored exactly once
//! and processed exactly once: one message on the client's item and one notification each.

use std::{
    collections::HashSet,
    process::{Child, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

use futures_util::StreamExt;
use ops_desktop::{
    db::{
        Db,
        entities::{integration_event, message, notification},
    },
    services::{
        audit::Actor,
        users::{self, NewUser},
        work_items::{self, input::NewWorkItem},
    },
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::{
    on_both_backends,
    support::{
        Backend, TestDatabase,
        ghl::{self, Shape, WebhookSigner},
        process,
    },
};

const WEBHOOKS: usize = 1000;
const AT_ONCE: usize = 16;
const KILL_AFTER: usize = 300;
const CONTACT: &str = "crash-contact";

/// The running binary; killed when dropped, so a failing test leaves nothing behind.
struct Server {
    child: Child,
}

impl Server {
    async fn start(env: &[(String, String)], bind: &str) -> Server {
        let workdir = std::env::temp_dir();
        let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let child = process::command(&workdir, &pairs)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let server = Server { child };
        process::wait_until_ready(&format!("http://{bind}/readyz"), Duration::from_secs(60)).await;
        server
    }

    fn kill(mut self) {
        process::signal(&self.child, "KILL");
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn count<E: EntityTrait>(db: &Db, select: sea_orm::Select<E>) -> u64
where
    E::Model: Sync,
{
    PaginatorTrait::count(select, db.conn()).await.unwrap()
}

async fn acknowledged_webhooks_survive_sigkill_and_are_processed_once(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let signer = WebhookSigner::new();
    let data_dir = tempfile::tempdir().unwrap();
    let bind = format!("127.0.0.1:{}", process::free_port());
    let mut env = vec![
        ("DATABASE_URL".to_string(), database.url.clone()),
        ("BIND_ADDR".to_string(), bind.clone()),
        ("LOG_LEVEL".to_string(), "error".to_string()),
        (
            "OPS_DATA_DIR".to_string(),
            data_dir.path().display().to_string(),
        ),
    ];
    env.extend(signer.env());
    let server = Server::start(&env, &bind).await;

    // The client's open item, made in the database the binary uses.
    let db = database.connect().await;
    let owner = users::create_user(
        &db,
        NewUser {
            email: "owner@example.com".into(),
            name: "Owner".into(),
            role: "STAFF".into(),
            password: None,
        },
    )
    .await
    .unwrap();
    let item = work_items::create(
        &db,
        &Actor::system(),
        NewWorkItem {
            title: Some("Acme retainer".into()),
            ghl_contact_id: Some(CONTACT.into()),
            owner_id: Some(owner.id.to_string()),
            ..NewWorkItem::default()
        },
    )
    .await
    .unwrap();

    let acknowledged: Arc<Mutex<HashSet<String>>> = Arc::default();
    let url = format!("http://{bind}/api/webhooks/ghl");
    let sender = {
        let acknowledged = acknowledged.clone();
        let bodies: Vec<(String, Vec<u8>, String)> = (0..WEBHOOKS)
            .map(|n| {
                let payload = ghl::inbound_message(
                    CONTACT,
                    &format!("msg-{n}"),
                    &format!("Reply {n}"),
                    Shape::Flat,
                );
                let body = serde_json::to_vec(&payload).unwrap();
                let signature = signer.sign(&body);
                (
                    payload["webhookId"].as_str().unwrap().to_string(),
                    body,
                    signature,
                )
            })
            .collect();
        tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap();
            futures_util::stream::iter(bodies)
                .for_each_concurrent(AT_ONCE, |(webhook_id, body, signature)| {
                    let (client, url, acknowledged) =
                        (client.clone(), url.clone(), acknowledged.clone());
                    async move {
                        // Like HighLevel: anything but a 2xx (refused, reset, 5xx) is sent again.
                        for _ in 0..2000 {
                            let sent = client
                                .post(&url)
                                .header("x-ghl-signature", &signature)
                                .header("content-type", "application/json")
                                .body(body.clone())
                                .send()
                                .await;
                            if sent.is_ok_and(|r| r.status().is_success()) {
                                acknowledged.lock().unwrap().insert(webhook_id);
                                return;
                            }
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        panic!("webhook {webhook_id} never acknowledged");
                    }
                })
                .await;
        })
    };

    crate::support::wait_until(120, "the first acknowledgements", || async {
        acknowledged.lock().unwrap().len() >= KILL_AFTER
    })
    .await;
    server.kill();
    let killed_at = acknowledged.lock().unwrap().len();
    assert!(killed_at < WEBHOOKS, "killed part-way ({killed_at})");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let server = Server::start(&env, &bind).await;
    tokio::time::timeout(Duration::from_secs(300), sender)
        .await
        .expect("every webhook acknowledged in time")
        .expect("the sender did not panic");
    assert_eq!(acknowledged.lock().unwrap().len(), WEBHOOKS);

    // A job that was running at the kill is taken over once its lease (60 s) runs out.
    let processed = || {
        integration_event::Entity::find().filter(integration_event::Column::State.eq("PROCESSED"))
    };
    crate::support::wait_until(240, "every event processed", || async {
        count(&db, processed()).await == WEBHOOKS as u64
    })
    .await;

    let events = integration_event::Entity::find()
        .all(db.conn())
        .await
        .unwrap();
    assert_eq!(events.len(), WEBHOOKS, "stored exactly once each");
    let keys: HashSet<String> = events.iter().filter_map(|e| e.dedupe_key.clone()).collect();
    let expected: HashSet<String> = acknowledged
        .lock()
        .unwrap()
        .iter()
        .map(|id| format!("ghl:webhook:{id}"))
        .collect();
    assert_eq!(keys, expected, "every acknowledged webhook is stored");
    assert!(events.iter().all(|e| e.work_item_id == Some(item.id)));

    let messages = message::Entity::find()
        .filter(message::Column::WorkItemId.eq(item.id))
        .all(db.conn())
        .await
        .unwrap();
    let distinct: HashSet<_> = messages
        .iter()
        .filter_map(|m| m.ghl_message_id.clone())
        .collect();
    assert_eq!(
        (messages.len(), distinct.len()),
        (WEBHOOKS, WEBHOOKS),
        "processed exactly once"
    );
    let notified = notification::Entity::find()
        .filter(notification::Column::UserId.eq(owner.id))
        .filter(notification::Column::Kind.eq("CLIENT_REPLY"));
    assert_eq!(count(&db, notified).await, WEBHOOKS as u64);
    drop(server);
    db.close().await.unwrap();
}

on_both_backends!(acknowledged_webhooks_survive_sigkill_and_are_processed_once);
