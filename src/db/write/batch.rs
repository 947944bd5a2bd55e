//! Group commit for SQLite: writers that come while others wait share one durable commit.
//!
//! A durable commit (`synchronous=FULL`) costs one fsync, several milliseconds on an ordinary
//! disk, and SQLite runs one write transaction at a time; with one commit per request,
//! writes could never pass a few hundred a second. Instead the writer queue keeps one open
//! "batch" transaction (`BEGIN IMMEDIATE`) on one pooled connection. Each writer, on its turn,
//! does its work inside a savepoint of the batch. When it commits and another writer is
//! waiting for the turn (and the batch is young and small), it joins the batch and passes
//! the turn on; otherwise it commits the batch. Every member of a batch learns the batch's
//! outcome and none is answered before the commit that makes its work durable: if that
//! commit fails, every member gets the error and none of their work is kept. A lone writer
//! commits at once, as without batching.
//!
//! A member that rolls back (or is dropped) undoes only its savepoint. The batch also keeps
//! a savepoint of its own from its first statement: SQLite rolls a whole transaction back
//! after some errors (disk full, I/O), and the batch's commit then finds that savepoint gone
//! and fails, rather than committing whatever ran after.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::Duration,
};

use sea_orm::{
    ConnAcquireErr, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use tokio::{
    sync::{OwnedSemaphorePermit, Semaphore, oneshot},
    time::Instant,
};

/// A batch takes no more members than this…
const MOST_MEMBERS: usize = 64;
/// …and none once its first member has waited this long for the commit.
const OLDEST: Duration = Duration::from_millis(10);
/// A member that waits this long for its batch's outcome takes the turn to commit the batch
/// itself (the writer it passed the turn to may have given up waiting).
const STRAGGLER: Duration = Duration::from_millis(50);

const BATCH_SAVEPOINT: &str = "ops_batch";
const MEMBER_SAVEPOINT: &str = "ops_member";

/// The turn to write and the open batch of this process's SQLite writers.
#[derive(Debug)]
pub(super) struct GroupCommit {
    turns: Arc<Semaphore>,
    /// Writers waiting for the turn (a member joins the batch only when one is).
    waiting: AtomicUsize,
    open: Mutex<Option<Batch>>,
    batch_ids: AtomicU64,
    patience: Duration,
    committed: Counts,
}

/// Batches committed and the writes they made durable, since the process started.
#[derive(Debug, Default)]
struct Counts {
    batches: AtomicU64,
    writes: AtomicU64,
}

#[derive(Debug)]
struct Batch {
    id: u64,
    txn: Arc<DatabaseTransaction>,
    /// When its first member began waiting for the commit.
    first_waiting: Option<Instant>,
    /// Members whose work is done and who wait for the batch's commit.
    members: Vec<oneshot::Sender<Result<(), DbErr>>>,
    /// A member was dropped before it committed or rolled back: its savepoint must be
    /// rolled back before anything else runs in the batch.
    abandoned: bool,
}

/// One writer's turn: its work runs in a savepoint of the open batch.
#[derive(Debug)]
pub(super) struct Member {
    queue: Arc<GroupCommit>,
    txn: Arc<DatabaseTransaction>,
    batch: u64,
    finished: bool,
    turn: Option<OwnedSemaphorePermit>,
}

impl GroupCommit {
    pub(super) fn new(patience: Duration) -> GroupCommit {
        GroupCommit {
            turns: Arc::new(Semaphore::new(1)),
            waiting: AtomicUsize::new(0),
            open: Mutex::new(None),
            batch_ids: AtomicU64::new(0),
            patience,
            committed: Counts::default(),
        }
    }

    /// Waits for the turn (at most the acquire timeout, like a pooled connection, and failing
    /// the same way so callers answer 503), then starts the writer's savepoint in the open
    /// batch, or in a new one.
    pub(super) async fn begin(
        self: &Arc<Self>,
        pool: &DatabaseConnection,
    ) -> Result<Member, DbErr> {
        let turn = {
            let _counted = Waiting::count(&self.waiting);
            self.turn().await?
        };
        let open = self.open.lock().unwrap().as_mut().map(|batch| {
            let abandoned = std::mem::take(&mut batch.abandoned);
            (batch.id, batch.txn.clone(), abandoned)
        });
        let (batch, txn, abandoned) = match open {
            Some(open) => open,
            None => {
                let (id, txn) = self.start_batch(pool).await?;
                (id, txn, false)
            }
        };
        let started = async {
            if abandoned {
                undo_member(&txn).await?;
            }
            txn.execute_unprepared(&format!("SAVEPOINT {MEMBER_SAVEPOINT}"))
                .await
        };
        if let Err(error) = started.await {
            drop(txn);
            self.fail_batch(batch, &error);
            return Err(error);
        }
        Ok(Member {
            queue: self.clone(),
            txn,
            batch,
            finished: false,
            turn: Some(turn),
        })
    }

    async fn turn(&self) -> Result<OwnedSemaphorePermit, DbErr> {
        match tokio::time::timeout(self.patience, self.turns.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) => Err(DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed)),
            Err(_) => Err(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)),
        }
    }

    /// Begins a batch (`BEGIN IMMEDIATE`, so a writer of another process waits on
    /// `busy_timeout` rather than failing when it upgrades from reading) and records it open.
    async fn start_batch(
        &self,
        pool: &DatabaseConnection,
    ) -> Result<(u64, Arc<DatabaseTransaction>), DbErr> {
        let txn = pool
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?;
        txn.execute_unprepared(&format!("SAVEPOINT {BATCH_SAVEPOINT}"))
            .await?;
        let txn = Arc::new(txn);
        let id = self.batch_ids.fetch_add(1, Ordering::Relaxed);
        *self.open.lock().unwrap() = Some(Batch {
            id,
            txn: txn.clone(),
            first_waiting: None,
            members: Vec::new(),
            abandoned: false,
        });
        Ok((id, txn))
    }

    /// Batches committed so far, and the writes they made durable.
    pub(super) fn committed(&self) -> (u64, u64) {
        let counts = &self.committed;
        (
            counts.batches.load(Ordering::Relaxed),
            counts.writes.load(Ordering::Relaxed),
        )
    }

    /// Takes the open batch out if it is still `id`, for the holder of the turn to commit.
    fn take_batch(&self, id: u64) -> Option<Batch> {
        let mut open = self.open.lock().unwrap();
        open.take_if(|batch| batch.id == id)
    }

    /// Ends the batch `id` without committing it (the connection failed it): every member
    /// gets the error and none of their work is kept.
    fn fail_batch(&self, id: u64, error: &DbErr) {
        if let Some(batch) = self.take_batch(id) {
            tracing::warn!(%error, members = batch.members.len(), "a batch of writes failed");
            for member in batch.members {
                let _ = member.send(Err(error.clone()));
            }
        }
    }
}

impl Member {
    pub(super) fn txn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// Keeps this writer's work in the batch and returns once the batch's commit has made it
    /// durable, or with the error that made the whole batch fail.
    pub(super) async fn commit(mut self) -> Result<(), DbErr> {
        // On failure the savepoint stays and the member counts as abandoned (see `Drop`).
        self.txn
            .execute_unprepared(&format!("RELEASE {MEMBER_SAVEPOINT}"))
            .await?;
        self.finished = true;
        let (sender, outcome) = oneshot::channel();
        let to_commit = {
            let mut open = self.queue.open.lock().unwrap();
            let Some(batch) = open.as_mut().filter(|batch| batch.id == self.batch) else {
                return Err(lost_batch());
            };
            batch.members.push(sender);
            let first_waiting = *batch.first_waiting.get_or_insert_with(Instant::now);
            let join = self.queue.waiting.load(Ordering::SeqCst) > 0
                && batch.members.len() < MOST_MEMBERS
                && first_waiting.elapsed() < OLDEST;
            if join { None } else { open.take() }
        };
        let (queue, batch, turn) = (self.queue.clone(), self.batch, self.turn.take());
        drop(self);
        if let (Some(batch), Some(turn)) = (to_commit, turn) {
            tokio::spawn(commit_batch(queue.clone(), batch, turn));
        }
        await_outcome(queue, batch, outcome).await
    }

    /// Undoes this writer's work and keeps the batch's other members'. A batch with no other
    /// members is rolled back whole, so it holds SQLite's write lock no longer.
    pub(super) async fn rollback(mut self) -> Result<(), DbErr> {
        let turn = self.turn.take();
        let alone = {
            let mut open = self.queue.open.lock().unwrap();
            open.take_if(|batch| batch.id == self.batch && batch.members.is_empty())
        };
        if let Some(batch) = alone {
            self.finished = true;
            drop(self);
            let result = match Arc::into_inner(batch.txn) {
                Some(txn) => txn.rollback().await,
                None => Ok(()), // its last holder's drop rolled it back
            };
            drop(turn);
            return result;
        }
        let undone = undo_member(&self.txn).await;
        // When it failed, the next writer tries again (see `Drop`), or the batch fails.
        self.finished = undone.is_ok();
        self.turn = turn;
        undone
    }
}

impl Drop for Member {
    /// A writer dropped mid-work (an error returned early, a cancelled request): its
    /// savepoint is rolled back by the next writer, or with the batch if it has no members.
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let mut open = self.queue.open.lock().unwrap();
        if let Some(batch) = open.as_mut().filter(|batch| batch.id == self.batch) {
            if batch.members.is_empty() {
                open.take(); // dropping it rolls it back
            } else {
                batch.abandoned = true;
            }
        }
    }
}

/// Waits for the batch's outcome; when it is slow to come, takes the turn and commits the
/// batch (if still open) itself.
async fn await_outcome(
    queue: Arc<GroupCommit>,
    batch: u64,
    mut outcome: oneshot::Receiver<Result<(), DbErr>>,
) -> Result<(), DbErr> {
    loop {
        match tokio::time::timeout(STRAGGLER, &mut outcome).await {
            Ok(Ok(result)) => return result,
            Ok(Err(_)) => return Err(lost_batch()),
            Err(_) => {
                if let Ok(turn) = queue.turn().await
                    && let Some(open) = queue.take_batch(batch)
                {
                    tokio::spawn(commit_batch(queue.clone(), open, turn));
                }
            }
        }
    }
}

/// Commits the batch and tells every member the outcome, holding the turn until it is known.
/// Spawned, so that a cancelled request cannot leave its batch mid-commit.
async fn commit_batch(queue: Arc<GroupCommit>, batch: Batch, _turn: OwnedSemaphorePermit) {
    let outcome = finish(batch.txn, batch.abandoned).await;
    match &outcome {
        Ok(()) => {
            let counts = &queue.committed;
            counts.batches.fetch_add(1, Ordering::Relaxed);
            let writes = batch.members.len() as u64;
            counts.writes.fetch_add(writes, Ordering::Relaxed);
        }
        Err(error) => {
            tracing::warn!(%error, members = batch.members.len(), "a batch of writes failed to commit");
        }
    }
    for member in batch.members {
        let _ = member.send(outcome.clone());
    }
}

async fn finish(txn: Arc<DatabaseTransaction>, abandoned: bool) -> Result<(), DbErr> {
    let txn = Arc::into_inner(txn)
        .ok_or_else(|| DbErr::Custom("a batch was committed while a writer used it".into()))?;
    let released = async {
        if abandoned {
            undo_member(&txn).await?;
        }
        // Fails when SQLite already rolled the transaction back (its savepoints went with it).
        txn.execute_unprepared(&format!("RELEASE {BATCH_SAVEPOINT}"))
            .await
    }
    .await;
    match released {
        Ok(_) => txn.commit().await,
        Err(error) => {
            let _ = txn.rollback().await;
            Err(error)
        }
    }
}

async fn undo_member(txn: &DatabaseTransaction) -> Result<(), DbErr> {
    txn.execute_unprepared(&format!("ROLLBACK TO {MEMBER_SAVEPOINT}"))
        .await?;
    txn.execute_unprepared(&format!("RELEASE {MEMBER_SAVEPOINT}"))
        .await?;
    Ok(())
}

fn lost_batch() -> DbErr {
    DbErr::Custom("the write's batch ended without an outcome".into())
}

/// Counts a writer as waiting for the turn for as long as it lives.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn count(waiting: &'a AtomicUsize) -> Waiting<'a> {
        waiting.fetch_add(1, Ordering::SeqCst);
        Waiting(waiting)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
