//! Group commit on SQLite: writers that come together share one durable commit, each is
//! answered only once that commit is done, and one writer's failure costs the others nothing
//! unless the shared commit itself fails, when every writer of the batch is told.

use std::time::Duration;

use ops_desktop::{
    db::{Db, entities::job},
    jobs::{self, JobSpec},
};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, PaginatorTrait};
use serde_json::json;

use crate::support::{Backend, TestDatabase};

const SPEC: JobSpec = JobSpec {
    kind: "test.parked",
    max_attempts: 1,
};

/// Writes a parked job naming `writer` in the given transaction.
async fn park(txn: &impl ConnectionTrait, writer: usize) -> Result<(), DbErr> {
    let later = chrono::Utc::now() + chrono::TimeDelta::days(1);
    jobs::enqueue(txn, SPEC, json!({"writer": writer}), Some(later)).await?;
    Ok(())
}

/// The writers named by the parked jobs, read through a fresh pool on the same file.
async fn parked_writers(database: &TestDatabase) -> Vec<usize> {
    let db = database.connect().await;
    let mut writers: Vec<usize> = job::Entity::find()
        .all(db.conn())
        .await
        .unwrap()
        .iter()
        .map(|job| job.payload["writer"].as_u64().unwrap() as usize)
        .collect();
    writers.sort();
    db.close().await.unwrap();
    writers
}

/// Starts `count` writers that queue behind a writer already holding the turn; each runs
/// `work` in its transaction.
async fn queue_writers<F, Fut>(
    db: &Db,
    count: usize,
    work: F,
) -> Vec<tokio::task::JoinHandle<Result<(), DbErr>>>
where
    F: Fn(Db, usize) -> Fut,
    Fut: Future<Output = Result<(), DbErr>> + Send + 'static,
{
    let tasks = (0..count)
        .map(|n| tokio::spawn(work(db.clone(), n)))
        .collect();
    // Let every writer reach the queue.
    tokio::time::sleep(Duration::from_millis(100)).await;
    tasks
}

#[tokio::test]
async fn concurrent_writers_share_commits_and_every_acknowledged_write_is_kept() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let db = database.connect().await;
    db.migrate().await.unwrap();
    let before = db.write_commits().unwrap();
    const WRITERS: usize = 64;
    let tasks: Vec<_> = (0..WRITERS)
        .map(|n| {
            let db = db.clone();
            tokio::spawn(async move {
                let txn = db.begin_write().await?;
                park(&txn, n).await?;
                tokio::time::sleep(Duration::from_millis(2)).await;
                txn.commit().await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().expect("every writer is acknowledged");
    }
    let after = db.write_commits().unwrap();
    assert_eq!(after.writes - before.writes, WRITERS as u64);
    let commits = after.commits - before.commits;
    assert!(
        commits < WRITERS as u64 / 2,
        "{commits} commits for {WRITERS} writes"
    );
    db.close().await.unwrap();
    assert_eq!(
        parked_writers(&database).await,
        (0..WRITERS).collect::<Vec<_>>()
    );
}

/// Writers that fail (returning early, dropping their transaction) or roll back take only
/// their own work with them; the batch they were in commits the others'.
#[tokio::test]
async fn a_failing_writer_leaves_the_rest_of_its_batch_intact() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let db = database.connect().await;
    db.migrate().await.unwrap();
    let before = db.write_commits().unwrap();
    let holder = db.begin_write().await.unwrap();
    const WRITERS: usize = 12;
    let tasks = queue_writers(&db, WRITERS, |db, n| async move {
        let txn = db.begin_write().await?;
        park(&txn, n).await?;
        match n % 3 {
            0 => Err(DbErr::Custom("this writer gives up".into())), // drops its transaction
            1 => txn.rollback().await,
            _ => txn.commit().await,
        }
    })
    .await;
    park(&holder, 100).await.unwrap();
    holder.commit().await.unwrap();
    for (n, task) in tasks.into_iter().enumerate() {
        let result = task.await.unwrap();
        assert_eq!(result.is_ok(), n % 3 != 0, "writer {n}: {result:?}");
    }
    let kept: Vec<usize> = (0..WRITERS).filter(|n| n % 3 == 2).chain([100]).collect();
    let after = db.write_commits().unwrap();
    assert_eq!(after.writes - before.writes, kept.len() as u64);
    assert!(
        after.commits - before.commits < kept.len() as u64,
        "the writes shared commits"
    );
    db.close().await.unwrap();
    assert_eq!(parked_writers(&database).await, kept);
}

/// A constraint SQLite checks only at commit (a deferred foreign key) fails the batch's one
/// commit: every writer in the batch gets the error, the innocent one too, none of their
/// work is kept, and the next write succeeds.
#[tokio::test]
async fn a_batch_whose_commit_fails_fails_every_writer_in_it() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let db = database.connect().await;
    db.migrate().await.unwrap();
    let setup = db.begin_write().await.unwrap();
    setup
        .execute_unprepared(
            "CREATE TABLE test_parent (id INTEGER PRIMARY KEY);
             CREATE TABLE test_child (parent INTEGER NOT NULL
                 REFERENCES test_parent (id) DEFERRABLE INITIALLY DEFERRED)",
        )
        .await
        .unwrap();
    setup.commit().await.unwrap();

    // The holder's write is sound; it joins a batch (others wait) whose next writer, like
    // every writer after it, adds a row that breaks the deferred constraint.
    let holder = db.begin_write().await.unwrap();
    const WRITERS: usize = 4;
    let tasks = queue_writers(&db, WRITERS, |db, n| async move {
        let txn = db.begin_write().await?;
        park(&txn, n).await?;
        txn.execute_unprepared("INSERT INTO test_child (parent) VALUES (42)")
            .await
            .expect("a deferred constraint is not checked before commit");
        txn.commit().await
    })
    .await;
    park(&holder, 100).await.unwrap();
    let error = holder.commit().await.unwrap_err();
    assert!(error.to_string().contains("FOREIGN KEY"), "{error}");
    for task in tasks {
        let error = task.await.unwrap().unwrap_err();
        assert!(error.to_string().contains("FOREIGN KEY"), "{error}");
    }

    let later = db.begin_write().await.unwrap();
    park(&later, 200).await.unwrap();
    later.commit().await.unwrap();
    let orphans = db
        .conn()
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT count(*) AS n FROM test_child",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(orphans, 0);
    assert_eq!(job::Entity::find().count(db.conn()).await.unwrap(), 1);
    db.close().await.unwrap();
    assert_eq!(parked_writers(&database).await, vec![200]);
}

/// A writer dropped mid-work (a cancelled request) after others joined its batch, with
/// nobody else coming: a waiting member commits the batch itself, without the dropped
/// writer's work.
#[tokio::test]
async fn a_batch_left_by_a_cancelled_writer_still_commits_the_others() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let db = database.connect().await;
    db.migrate().await.unwrap();
    let holder = db.begin_write().await.unwrap();
    let mut cancelled = queue_writers(&db, 1, |db, n| async move {
        let txn = db.begin_write().await?;
        park(&txn, n).await?;
        std::future::pending::<()>().await;
        txn.commit().await
    })
    .await;
    park(&holder, 100).await.unwrap();
    let committed = tokio::spawn(holder.commit());
    tokio::time::sleep(Duration::from_millis(20)).await;
    let cancelled = cancelled.pop().unwrap();
    cancelled.abort();
    assert!(cancelled.await.unwrap_err().is_cancelled());
    committed.await.unwrap().expect("the batch commits");

    // Nothing holds SQLite's write lock now: a write outside the queue passes at once.
    db.conn()
        .execute_unprepared("CREATE TABLE test_free (id INTEGER)")
        .await
        .unwrap();
    db.close().await.unwrap();
    assert_eq!(parked_writers(&database).await, vec![100]);
}

/// A writer dropped mid-work while alone in its batch: the batch is rolled back at once and
/// the write lock is free.
#[tokio::test]
async fn a_lone_dropped_writer_frees_the_write_lock() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let db = database.connect().await;
    db.migrate().await.unwrap();
    let txn = db.begin_write().await.unwrap();
    park(&txn, 1).await.unwrap();
    drop(txn);
    db.conn()
        .execute_unprepared("CREATE TABLE test_free (id INTEGER)")
        .await
        .unwrap();
    let txn = db.begin_write().await.unwrap();
    park(&txn, 2).await.unwrap();
    txn.commit().await.unwrap();
    db.close().await.unwrap();
    assert_eq!(parked_writers(&database).await, vec![2]);
}

/// A writer that rolls back while alone in its batch frees SQLite's write lock for other
/// processes (here, a second pool on the same file).
#[tokio::test]
async fn a_lone_rollback_frees_the_write_lock() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let db = database.connect().await;
    db.migrate().await.unwrap();
    let txn = db.begin_write().await.unwrap();
    park(&txn, 1).await.unwrap();
    txn.rollback().await.unwrap();
    let other = database.connect().await;
    let txn = other.begin_write().await.unwrap();
    park(&txn, 2).await.unwrap();
    txn.commit().await.unwrap();
    other.close().await.unwrap();
    db.close().await.unwrap();
    assert_eq!(parked_writers(&database).await, vec![2]);
}
