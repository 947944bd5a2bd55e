//! `ops-desktop backup --out FILE` and `ops-desktop restore --from FILE`.

use std::path::PathBuf;

use crate::{
    config::Settings,
    db::{Db, backup},
};

/// A consistent copy while the server runs.
pub async fn run_backup(settings: Settings, out: PathBuf) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database_url).await?;
    backup::backup(&db, &settings.database_url, &out).await?;
    db.close().await?;
    println!(
        "Backed up {} to {}.",
        settings.database_url.describe(),
        out.display()
    );
    Ok(())
}

/// Puts a backup back (stop the server first), then applies any newer migrations.
pub async fn run_restore(settings: Settings, from: PathBuf) -> anyhow::Result<()> {
    backup::restore(&settings.database_url, &from).await?;
    let db = Db::connect(&settings.database_url).await?;
    db.migrate().await?;
    db.close().await?;
    println!(
        "Restored {} from {}.",
        settings.database_url.describe(),
        from.display()
    );
    Ok(())
}
