//! Write transactions, and the queue SQLite's writers wait in.
//!
//! SQLite lets one transaction write at a time. Left to itself, a writer that finds the lock
//! taken sleeps in SQLite's busy handler and retries, with sleeps that grow to 100 ms; under
//! steady writes a waiter keeps waking to find the lock taken again, so a few unlucky
//! requests wait seconds while others pass straight through. Instead, this process's writers
//! take turns in a first-come, first-served queue before they begin, so each waits only for
//! the writers ahead of it and none holds a pooled connection while it waits; and writers
//! that come while others wait share one commit (see `batch.rs`). The busy timeout still
//! covers writers of other processes (a second instance, the `sqlite3` shell).

mod batch;

use std::{ops::Deref, sync::Arc, time::Duration};

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, Statement, TransactionTrait,
};

/// Where write transactions begin: on SQLite the turn-taking, batching queue; on PostgreSQL
/// the pool directly (its row locks let writers of different rows proceed together, and its
/// commits overlap).
#[derive(Debug, Clone)]
pub(super) struct WriterQueue {
    sqlite: Option<Arc<batch::GroupCommit>>,
}

impl WriterQueue {
    pub(super) fn new(backend: DbBackend, patience: Duration) -> WriterQueue {
        WriterQueue {
            sqlite: (backend == DbBackend::Sqlite)
                .then(|| Arc::new(batch::GroupCommit::new(patience))),
        }
    }

    /// On SQLite, the batches committed so far and the writes they made durable.
    pub(super) fn committed(&self) -> Option<(u64, u64)> {
        self.sqlite.as_ref().map(|queue| queue.committed())
    }

    pub(super) async fn begin(&self, pool: &DatabaseConnection) -> Result<WriteTxn, DbErr> {
        Ok(WriteTxn(match &self.sqlite {
            Some(queue) => Txn::Member(queue.begin(pool).await?),
            None => return Ok(WriteTxn::own(pool.begin().await?)),
        }))
    }
}

/// A transaction that will write. It reads and writes like a [`DatabaseTransaction`]. On
/// SQLite it holds this process's turn to write until it commits, rolls back or is dropped,
/// and its commit returns once the batch it joined is durable.
#[derive(Debug)]
pub struct WriteTxn(Txn);

#[derive(Debug)]
enum Txn {
    Own(DatabaseTransaction),
    Member(batch::Member),
}

impl WriteTxn {
    /// A transaction of its own (PostgreSQL's writes, which need no queue).
    pub(super) fn own(txn: DatabaseTransaction) -> WriteTxn {
        WriteTxn(Txn::Own(txn))
    }

    pub async fn commit(self) -> Result<(), DbErr> {
        match self.0 {
            Txn::Own(txn) => txn.commit().await,
            Txn::Member(member) => member.commit().await,
        }
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        match self.0 {
            Txn::Own(txn) => txn.rollback().await,
            Txn::Member(member) => member.rollback().await,
        }
    }
}

impl Deref for WriteTxn {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        match &self.0 {
            Txn::Own(txn) => txn,
            Txn::Member(member) => member.txn(),
        }
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        (**self).get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        (**self).execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        (**self).execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        (**self).query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        (**self).query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        (**self).support_returning()
    }
}
