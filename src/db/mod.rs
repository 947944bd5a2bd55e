//! The database: connecting to SQLite or PostgreSQL, migrating, and starting write transactions.
//!
//! One code path serves both backends. The few places that must differ branch on
//! [`Db::backend`] and live next to the feature that needs them.

use std::time::Duration;

use sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    RuntimeErr, Statement, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;

use crate::config::{DatabaseUrl, Timeouts};

pub mod backup;
pub mod entities;
pub mod item_numbers;
pub mod migrations;
pub mod outage;
mod pool;
pub mod time;
mod write;

pub use migrations::Migrator;
pub use write::WriteTxn;

/// A lock id for PostgreSQL's advisory lock, so that instances starting together migrate one at a time.
const MIGRATION_LOCK_ID: i64 = 0x0_5DE5_C70B;

/// How long an instance waits for another one's migrations on SQLite.
const MIGRATION_PATIENCE: Duration = Duration::from_secs(120);

/// Creates the SQLite file `0600` (in a `0700` folder) when missing, and takes group and other
/// access away from an existing one. SQLite gives the `-wal` and `-shm` files the database
/// file's mode, so they are private too.
fn prepare_sqlite_file(path: &std::path::Path) -> anyhow::Result<()> {
    use crate::private_fs;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        private_fs::create_dir_all(parent).map_err(|error| {
            anyhow::anyhow!("cannot create the folder {}: {error}", parent.display())
        })?;
    }
    match private_fs::create_new_file(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            for file in [
                path.to_path_buf(),
                path.with_file_name(format!("{}-wal", file_name(path))),
                path.with_file_name(format!("{}-shm", file_name(path))),
            ] {
                if file.exists() && private_fs::restrict(&file)? {
                    tracing::info!(file = %file.display(), "made the database file private (0600)");
                }
            }
            Ok(())
        }
        Err(error) => Err(anyhow::anyhow!(
            "cannot create the database file {}: {error}",
            path.display()
        )),
    }
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The database records migrations this build does not know: a newer release migrated it.
/// Running on it could misread or damage data written under the newer schema, so the
/// binary refuses to start (see docs/UPGRADING.md).
#[derive(Debug, thiserror::Error)]
#[error(
    "the database was migrated by a newer release of OPS Desktop: it records {} that this \
     build ({}) does not know. Run that newer release, or restore the backup taken before \
     the upgrade and then start this one (docs/UPGRADING.md)",
    .unknown.join(", "),
    env!("CARGO_PKG_VERSION")
)]
pub struct DatabaseNewer {
    pub unknown: Vec<String>,
}

/// Why migrating failed: the database is ahead of this build, or the database said no.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(transparent)]
    Newer(#[from] DatabaseNewer),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// See [`Db::write_commits`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteCommits {
    pub commits: u64,
    pub writes: u64,
}

/// The shared handle to the database (cheap to clone: it wraps a pool).
#[derive(Clone, Debug)]
pub struct Db {
    conn: DatabaseConnection,
    /// How long background work waits for one database step (see [`Db::bounded`]).
    step_limit: Duration,
    /// The order this process's write transactions take turns in (see `write.rs`).
    writers: write::WriterQueue,
}

impl Db {
    /// Opens the pool with the default time limits.
    pub async fn connect(url: &DatabaseUrl) -> anyhow::Result<Db> {
        Db::connect_with(url, &Timeouts::default()).await
    }

    /// Opens the pool. For SQLite the file and its folder are created when missing (private
    /// to the service's user) and the pragmas of docs/ARCHITECTURE.md are applied to every
    /// connection; PostgreSQL connections get the statement timeout and keepalives of
    /// `limits` (see `pool.rs`).
    pub async fn connect_with(url: &DatabaseUrl, limits: &Timeouts) -> anyhow::Result<Db> {
        if let DatabaseUrl::Sqlite { path, .. } = url {
            prepare_sqlite_file(path)?;
        }
        let options = pool::options(url, limits);
        let conn = Database::connect(options)
            .await
            .map_err(|error| anyhow::anyhow!("cannot open {}: {error}", url.describe()))?;
        Ok(Db {
            writers: write::WriterQueue::new(conn.get_database_backend(), limits.acquire),
            conn,
            step_limit: limits.database_step(),
        })
    }

    /// Runs one step of background work (a job's bookkeeping, a stream's poll, a page of an
    /// export) with a deadline. Requests have the request timeout; this bounds the work no
    /// request waits for, so a silent database cannot hold it forever.
    pub async fn bounded<T, E: From<DbErr>>(
        &self,
        step: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        match tokio::time::timeout(self.step_limit, step).await {
            Ok(result) => result,
            Err(_) => Err(E::from(DbErr::Conn(RuntimeErr::Internal(format!(
                "the database did not answer within {} s",
                self.step_limit.as_secs()
            ))))),
        }
    }

    /// The pool, for reads (and for writes that are a single statement).
    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// Starts a transaction that will write. On SQLite this process's writers first take
    /// turns and writers that come together share one commit (see `write.rs`); the shared
    /// transaction begins with `BEGIN IMMEDIATE`, so a writer of another process waits on
    /// `busy_timeout` instead of failing with "database is locked" when the transaction
    /// upgrades from reading to writing.
    pub async fn begin_write(&self) -> Result<WriteTxn, DbErr> {
        self.writers.begin(&self.conn).await
    }

    /// On SQLite, how many commits this process has made of its write transactions, and how
    /// many write transactions they made durable (more writes than commits: writes shared
    /// commits). `None` on PostgreSQL, where each write commits on its own.
    pub fn write_commits(&self) -> Option<WriteCommits> {
        let (commits, writes) = self.writers.committed()?;
        Some(WriteCommits { commits, writes })
    }

    /// Makes write transactions that take the same `lock_id` run one after another. SQLite
    /// runs one write transaction at a time anyway; PostgreSQL takes a transaction-scoped
    /// advisory lock, released at commit or rollback.
    pub async fn take_turns(txn: &DatabaseTransaction, lock_id: i64) -> Result<(), DbErr> {
        if txn.get_database_backend() == DbBackend::Postgres {
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock($1)",
                [lock_id.into()],
            ))
            .await?;
        }
        Ok(())
    }

    /// Applies every pending migration in one transaction, so instances that start together
    /// take turns (the second finds nothing left to do) and a failed run leaves nothing. On
    /// PostgreSQL an advisory lock orders them; on SQLite the write lock does.
    pub async fn migrate(&self) -> Result<(), MigrateError> {
        self.refuse_newer().await?;
        let txn = match self.backend() {
            DbBackend::Postgres => {
                let txn = self.conn.begin().await?;
                // A migration may rightly take longer than any request's statement.
                txn.execute_unprepared("SET LOCAL statement_timeout = 0")
                    .await?;
                Db::take_turns(&txn, MIGRATION_LOCK_ID).await?;
                WriteTxn::own(txn)
            }
            _ => self.begin_write_patiently(MIGRATION_PATIENCE).await?,
        };
        Migrator::up(&*txn, None).await?;
        Ok(txn.commit().await?)
    }

    /// [`Db::begin_write`] that waits up to `patience` for another process's write (say its
    /// migrations) to end, rather than only the busy timeout.
    async fn begin_write_patiently(&self, patience: Duration) -> Result<WriteTxn, DbErr> {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            match self.begin_write().await {
                Err(error)
                    if outage::is_unavailable(&error) && tokio::time::Instant::now() < deadline =>
                {
                    tracing::info!("waiting for another process to finish writing");
                }
                result => return result,
            }
        }
    }

    /// Fails with [`DatabaseNewer`] when a migration this build does not know is recorded as
    /// applied. Checked before anything writes, the pre-migration backup included.
    pub async fn refuse_newer(&self) -> Result<(), MigrateError> {
        let known: Vec<String> = Migrator::migrations()
            .iter()
            .map(|migration| migration.name().to_string())
            .collect();
        let unknown: Vec<String> = self
            .applied_migrations()
            .await?
            .into_iter()
            .filter(|version| !known.contains(version))
            .collect();
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(DatabaseNewer { unknown }.into())
        }
    }

    /// Names of migrations not yet applied (without creating the bookkeeping table).
    pub async fn pending_migrations(&self) -> Result<Vec<String>, DbErr> {
        Ok(Migrator::get_pending_migrations_read_only(&self.conn)
            .await?
            .iter()
            .map(|migration| migration.name().to_string())
            .collect())
    }

    /// Versions recorded as applied, known to this build or not (none on a new database).
    pub async fn applied_migrations(&self) -> Result<Vec<String>, DbErr> {
        use sea_orm::EntityTrait;
        use sea_orm_migration::{SchemaManager, seaql_migrations};
        if !SchemaManager::new(&self.conn)
            .has_table("seaql_migrations")
            .await?
        {
            return Ok(Vec::new());
        }
        Ok(seaql_migrations::Entity::find()
            .all(&self.conn)
            .await?
            .into_iter()
            .map(|row| row.version)
            .collect())
    }

    /// Ready means: the database answers, and every migration is applied.
    pub async fn check_ready(&self) -> Result<(), String> {
        self.conn
            .execute_unprepared("SELECT 1")
            .await
            .map_err(|error| format!("database unreachable: {error}"))?;
        let pending = self
            .pending_migrations()
            .await
            .map_err(|error| format!("cannot read migrations: {error}"))?;
        if pending.is_empty() {
            Ok(())
        } else {
            Err(format!("{} migration(s) pending", pending.len()))
        }
    }

    /// Closes the pool (used at shutdown so PostgreSQL sees clean disconnects).
    pub async fn close(self) -> Result<(), DbErr> {
        self.conn.close().await
    }
}
