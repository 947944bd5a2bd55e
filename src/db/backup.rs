//! Backups: a consistent copy of the database while the server keeps running, and putting
//! one back. SQLite copies itself (`VACUUM INTO` reads one snapshot); PostgreSQL uses its own
//! `pg_dump`/`pg_restore`, which must be on `PATH`.

use std::path::Path;

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use super::Db;
use crate::config::DatabaseUrl;

/// The first bytes of every SQLite database file.
const SQLITE_HEADER: &[u8] = b"SQLite format 3\0";

/// Writes a consistent copy of the database to `out` (which must not exist yet).
pub async fn backup(db: &Db, url: &DatabaseUrl, out: &Path) -> anyhow::Result<()> {
    if out.exists() {
        anyhow::bail!("{} already exists; choose a new file name", out.display());
    }
    match url {
        DatabaseUrl::Sqlite { .. } => {
            let target = out
                .to_str()
                .ok_or_else(|| anyhow::anyhow!("the backup path must be valid UTF-8"))?;
            db.conn()
                .execute_raw(Statement::from_sql_and_values(
                    DbBackend::Sqlite,
                    "VACUUM INTO ?",
                    [target.into()],
                ))
                .await?;
            Ok(())
        }
        DatabaseUrl::Postgres { .. } => {
            run_tool(
                "pg_dump",
                &[
                    "--format=custom",
                    "--no-owner",
                    "--file",
                    &out.display().to_string(),
                    "--dbname",
                    url.expose(),
                ],
            )
            .await
        }
    }
}

/// Replaces the database's contents with the backup at `from`. Stop the server first.
pub async fn restore(url: &DatabaseUrl, from: &Path) -> anyhow::Result<()> {
    if !from.is_file() {
        anyhow::bail!("{} is not a file", from.display());
    }
    match url {
        DatabaseUrl::Sqlite { path, .. } => {
            let header = std::fs::read(from)?
                .into_iter()
                .take(SQLITE_HEADER.len())
                .collect::<Vec<_>>();
            if header != SQLITE_HEADER {
                anyhow::bail!("{} is not an SQLite backup", from.display());
            }
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)?;
            }
            // Copy next to the target, then rename: the database is never half-written.
            let staging = path.with_extension("restoring");
            std::fs::copy(from, &staging)?;
            for suffix in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            std::fs::rename(&staging, path)?;
            Ok(())
        }
        DatabaseUrl::Postgres { .. } => {
            run_tool(
                "pg_restore",
                &[
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--dbname",
                    url.expose(),
                    &from.display().to_string(),
                ],
            )
            .await
        }
    }
}

async fn run_tool(program: &str, args: &[&str]) -> anyhow::Result<()> {
    let output = tokio::process::Command::new(program)
        .args(args)
        .output()
        .await
        .map_err(|error| {
            anyhow::anyhow!("cannot run {program} (is the PostgreSQL client installed?): {error}")
        })?;
    if output.status.success() {
        Ok(())
    } else {
        anyhow::bail!(
            "{program} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )
    }
}
