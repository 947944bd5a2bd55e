//! Write transactions, and the queue SQLite's writers wait in.
//!
//! SQLite lets one transaction write at a time. Left to itself, a writer that finds the lock
//! taken sleeps in SQLite's busy handler and retries, with sleeps that grow to 100 ms; under
//! steady writes a waiter keeps waking to find the lock taken again, so a few unlucky
//! requests wait seconds while others pass straight through. Instead, this process's writers
//! take turns in a first-come, first-served queue before they begin, so each waits only for
//! the writers ahead of it and none holds a pooled connection while it waits. The busy timeout
//! still covers writers of other processes (a second instance, the `sqlite3` shell).

use std::{ops::Deref, sync::Arc, time::Duration};

use sea_orm::{
    ConnAcquireErr, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, Statement,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The turn to write: one permit on SQLite, none needed on PostgreSQL (its row locks let
/// writers of different rows proceed together).
#[derive(Debug, Clone)]
pub(super) struct WriterQueue {
    turns: Option<Arc<Semaphore>>,
    patience: Duration,
}

impl WriterQueue {
    pub(super) fn new(backend: DbBackend, patience: Duration) -> WriterQueue {
        WriterQueue {
            turns: (backend == DbBackend::Sqlite).then(|| Arc::new(Semaphore::new(1))),
            patience,
        }
    }

    /// Waits for this process's turn to write (at most the acquire timeout, like a pooled
    /// connection, and failing the same way so callers answer 503).
    pub(super) async fn turn(&self) -> Result<Option<OwnedSemaphorePermit>, DbErr> {
        let Some(turns) = &self.turns else {
            return Ok(None);
        };
        match tokio::time::timeout(self.patience, turns.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(Some(permit)),
            Ok(Err(_)) => Err(DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed)),
            Err(_) => Err(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)),
        }
    }
}

/// A transaction that will write. It reads and writes like a [`DatabaseTransaction`]; on
/// SQLite it also holds this process's turn to write until it commits, rolls back or is
/// dropped.
#[derive(Debug)]
pub struct WriteTxn {
    txn: DatabaseTransaction,
    _turn: Option<OwnedSemaphorePermit>,
}

impl WriteTxn {
    pub(super) fn new(txn: DatabaseTransaction, turn: Option<OwnedSemaphorePermit>) -> WriteTxn {
        WriteTxn { txn, _turn: turn }
    }

    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

impl Deref for WriteTxn {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}
