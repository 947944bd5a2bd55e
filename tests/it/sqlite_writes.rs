//! Many concurrent writers: on SQLite, write transactions start as `BEGIN IMMEDIATE`, so
//! they queue on `busy_timeout` instead of failing with "database is locked".

use ops_desktop::{
    db::entities::job,
    jobs::{self, JobSpec},
};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use crate::{
    on_both_backends,
    support::{Backend, TestDatabase},
};

async fn concurrent_read_then_write_transactions_never_fail(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let db = database.connect().await;
    db.migrate().await.unwrap();
    let spec = JobSpec {
        kind: "test.parked",
        max_attempts: 1,
    };
    const WRITERS: usize = 64;
    let tasks: Vec<_> = (0..WRITERS)
        .map(|n| {
            let db = db.clone();
            tokio::spawn(async move {
                // Read first, then write: the pattern that fails under a deferred BEGIN.
                let txn = db.begin_write().await?;
                let seen = job::Entity::find().count(&txn).await?;
                let later = chrono::Utc::now() + chrono::TimeDelta::days(1);
                jobs::enqueue(&txn, spec, json!({"writer": n, "seen": seen}), Some(later)).await?;
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                txn.commit().await
            })
        })
        .collect();
    for task in tasks {
        task.await
            .unwrap()
            .expect("no writer is refused (no 'database is locked')");
    }
    assert_eq!(
        job::Entity::find().count(db.conn()).await.unwrap(),
        WRITERS as u64
    );
    db.close().await.unwrap();
}

on_both_backends!(concurrent_read_then_write_transactions_never_fail);

/// SQLite writes one transaction at a time. Writers of one process wait their turn in the
/// order they asked, rather than each polling the lock from SQLite's busy handler, where the
/// lucky one wins and an unlucky one can wait seconds behind writers that came later.
#[tokio::test]
async fn writers_on_sqlite_take_turns_in_the_order_they_asked() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let db = database.connect().await;
    db.migrate().await.unwrap();
    let spec = JobSpec {
        kind: "test.parked",
        max_attempts: 1,
    };
    let holder = db.begin_write().await.unwrap();
    let order = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    const WRITERS: usize = 12;
    let mut tasks = Vec::new();
    for n in 0..WRITERS {
        let (db, order) = (db.clone(), order.clone());
        tasks.push(tokio::spawn(async move {
            let txn = db.begin_write().await?;
            order.lock().unwrap().push(n);
            let later = chrono::Utc::now() + chrono::TimeDelta::days(1);
            jobs::enqueue(&txn, spec, json!({"writer": n}), Some(later)).await?;
            txn.commit().await
        }));
        // Let this writer reach the queue before the next one asks.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    holder.rollback().await.unwrap();
    for task in tasks {
        task.await.unwrap().expect("every writer gets its turn");
    }
    assert_eq!(
        *order.lock().unwrap(),
        (0..WRITERS).collect::<Vec<_>>(),
        "writers went in the order they asked"
    );
    db.close().await.unwrap();
}
