//! Backups made by the application itself: the scheduled ones (the `backup.run` job, every
//! `BACKUP_INTERVAL_HOURS`, keeping the newest `BACKUP_KEEP`) and the one taken before new
//! migrations change an SQLite database. The copying is `db::backup`'s; this module names,
//! places and prunes the files.
//!
//! A scheduled backup is written under a hidden `.partial` name and renamed when complete, so
//! a crash mid-copy never leaves a file that looks like a backup and pruning never counts one.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::{
    config::{DatabaseUrl, Settings},
    db::{Db, backup, time},
    private_fs,
};

/// Scheduled backups are `ops-desktop-<UTC time>.<db|dump>`.
pub const SCHEDULED_PREFIX: &str = "ops-desktop-";
/// Backups before migrations are `ops-desktop-pre-migration-<UTC time>.db`; never pruned.
pub const PRE_MIGRATION_PREFIX: &str = "ops-desktop-pre-migration-";

/// SQLite backups are database files; PostgreSQL ones `pg_dump` custom-format archives.
fn extension(url: &DatabaseUrl) -> &'static str {
    if url.is_sqlite() { "db" } else { "dump" }
}

fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Makes one scheduled backup into `BACKUP_DIR`, then deletes the oldest scheduled ones beyond
/// `BACKUP_KEEP`. Returns the new file.
pub async fn run_scheduled(db: &Db, settings: &Settings) -> anyhow::Result<PathBuf> {
    let dir = &settings.backup.dir;
    let ext = extension(&settings.database_url);
    let name = format!("{SCHEDULED_PREFIX}{}.{ext}", stamp(time::now()));
    let partial = dir.join(format!(".{name}.partial"));
    // A crash during an earlier run of this very slot may have left its partial file.
    let _ = std::fs::remove_file(&partial);
    backup::backup(db, &settings.database_url, &partial).await?;
    let done = dir.join(&name);
    std::fs::rename(&partial, &done)?;
    for old in to_prune(&scheduled_backups(dir, ext)?, settings.backup.keep) {
        if let Err(error) = std::fs::remove_file(dir.join(&old)) {
            tracing::warn!(file = %old, %error, "could not delete an old backup");
        }
    }
    Ok(done)
}

/// Names of the scheduled backups in `dir`, whatever their order.
fn scheduled_backups(dir: &Path, ext: &str) -> anyhow::Result<Vec<String>> {
    let suffix = format!(".{ext}");
    Ok(std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| {
            name.starts_with(SCHEDULED_PREFIX)
                && !name.starts_with(PRE_MIGRATION_PREFIX)
                && name.ends_with(&suffix)
        })
        .collect())
}

/// Which of `names` to delete so the newest `keep` stay (the time in the name sorts them).
fn to_prune(names: &[String], keep: u32) -> Vec<String> {
    let mut sorted = names.to_vec();
    sorted.sort();
    let excess = sorted.len().saturating_sub(keep as usize);
    sorted.truncate(excess);
    sorted
}

/// Before migrations change an SQLite database that already holds data, copies it to
/// `BACKUP_DIR` so an upgrade can be rolled back by restoring it. Returns the copy, or `None`
/// when there is nothing to protect (PostgreSQL — back it up with `pg_dump` before upgrading
/// — a new database, or nothing pending).
pub async fn before_migrations(db: &Db, settings: &Settings) -> anyhow::Result<Option<PathBuf>> {
    if !settings.database_url.is_sqlite() {
        return Ok(None);
    }
    let pending = db.pending_migrations().await?;
    if pending.is_empty() || db.applied_migrations().await?.is_empty() {
        return Ok(None);
    }
    let dir = &settings.backup.dir;
    private_fs::create_dir_all(dir)?;
    let out = dir.join(format!("{PRE_MIGRATION_PREFIX}{}.db", stamp(time::now())));
    backup::backup(db, &settings.database_url, &out)
        .await
        .map_err(|error| {
            anyhow::anyhow!(
                "the backup before applying {} new migration(s) failed, so nothing was migrated: {error:#}",
                pending.len()
            )
        })?;
    tracing::info!(backup = %out.display(), pending = pending.len(), "backed up the database before migrating");
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruning_keeps_the_newest() {
        let names: Vec<String> = [
            "ops-desktop-20260102T000000Z.db",
            "ops-desktop-20251231T000000Z.db",
            "ops-desktop-20260101T000000Z.db",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            to_prune(&names, 2),
            vec!["ops-desktop-20251231T000000Z.db".to_string()]
        );
        assert!(to_prune(&names, 3).is_empty());
        assert_eq!(to_prune(&names, 1).len(), 2);
    }
}
