//! Backups: a consistent copy of the database while the server keeps running, and putting
//! one back. SQLite copies itself (`VACUUM INTO` reads one snapshot); PostgreSQL uses its own
//! `pg_dump`/`pg_restore`, which must be on `PATH`.
//!
//! Backup files are created `0600` before anything is written to them. The PostgreSQL password
//! never goes on a command line (where `ps` shows it to every local user): the tools get the
//! URL without it and read it from `PGPASSWORD` in their own environment.

use std::path::Path;

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::Db;
use crate::{config::DatabaseUrl, private_fs};

/// The first bytes of every SQLite database file.
const SQLITE_HEADER: &[u8] = b"SQLite format 3\0";

/// Writes a consistent copy of the database to `out` (which must not exist yet). A failed
/// backup leaves no file behind.
pub async fn backup(db: &Db, url: &DatabaseUrl, out: &Path) -> anyhow::Result<()> {
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        private_fs::create_dir_all(parent)?;
    }
    // An empty 0600 file: both VACUUM INTO and pg_dump write into it and keep its mode.
    private_fs::create_new_file(out).map_err(|error| match error.kind() {
        std::io::ErrorKind::AlreadyExists => {
            anyhow::anyhow!("{} already exists; choose a new file name", out.display())
        }
        _ => anyhow::anyhow!("cannot create {}: {error}", out.display()),
    })?;
    let written = write_backup(db, url, out).await;
    if written.is_err() {
        let _ = std::fs::remove_file(out);
    }
    written
}

async fn write_backup(db: &Db, url: &DatabaseUrl, out: &Path) -> anyhow::Result<()> {
    let target = out
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("the backup path must be valid UTF-8"))?;
    match url {
        DatabaseUrl::Sqlite { .. } => {
            db.conn()
                .execute_raw(Statement::from_sql_and_values(
                    DbBackend::Sqlite,
                    "VACUUM INTO ?",
                    [target.into()],
                ))
                .await?;
            Ok(())
        }
        DatabaseUrl::Postgres { url } => {
            let args = ["--format=custom", "--no-owner", "--file", target];
            run_tool("pg_dump", &args, url).await
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
                private_fs::create_dir_all(parent)?;
            }
            // Copy next to the target, then rename: the database is never half-written.
            let staging = path.with_extension("restoring");
            std::fs::copy(from, &staging)?;
            private_fs::restrict(&staging)?;
            for suffix in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            std::fs::rename(&staging, path)?;
            Ok(())
        }
        DatabaseUrl::Postgres { url } => {
            let from = from.display().to_string();
            let args = [
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                from.as_str(),
            ];
            run_tool("pg_restore", &args, url).await
        }
    }
}

/// A PostgreSQL URL split for the client tools: the URL without its password (fine on a
/// command line) and the password (for `PGPASSWORD`).
#[derive(Debug)]
pub struct ToolConnection {
    pub url: String,
    pub password: Option<SecretString>,
}

/// Splits the password out of `url`, percent-decoded as libpq expects it in `PGPASSWORD`.
pub fn tool_connection(url: &SecretString) -> anyhow::Result<ToolConnection> {
    let mut parsed = Url::parse(url.expose_secret())
        .map_err(|_| anyhow::anyhow!("DATABASE_URL is not a valid URL"))?;
    let password = parsed.password().map(|raw| {
        let decoded = percent_decode(raw);
        SecretString::from(decoded)
    });
    if password.is_some() {
        parsed
            .set_password(None)
            .map_err(|_| anyhow::anyhow!("cannot take the password out of DATABASE_URL"))?;
    }
    Ok(ToolConnection {
        url: parsed.to_string(),
        password,
    })
}

fn percent_decode(raw: &str) -> String {
    url::form_urlencoded::parse(format!("p={}", raw.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

async fn run_tool(program: &str, args: &[&str], url: &SecretString) -> anyhow::Result<()> {
    let connection = tool_connection(url)?;
    let mut command = tokio::process::Command::new(program);
    command
        .args(args)
        .arg("--dbname")
        .arg(&connection.url)
        // Only what this call says counts: no password from the operator's shell.
        .env_remove("PGPASSWORD");
    if let Some(password) = &connection.password {
        command.env("PGPASSWORD", password.expose_secret());
    }
    let output = command.output().await.map_err(|error| {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_split_out_of_the_url() {
        let split = tool_connection(&SecretString::from(
            "postgres://ops:s%40cr%2Bt+x@db.internal:5433/ops?sslmode=require",
        ))
        .unwrap();
        assert_eq!(
            split.url,
            "postgres://ops@db.internal:5433/ops?sslmode=require"
        );
        assert_eq!(split.password.unwrap().expose_secret(), "s@cr+t+x");

        let none = tool_connection(&SecretString::from("postgres://ops@db/ops")).unwrap();
        assert_eq!(none.url, "postgres://ops@db/ops");
        assert!(none.password.is_none());
    }
}
