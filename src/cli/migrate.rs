//! `ops-desktop migrate`: apply pending migrations and exit.

use crate::{config::Settings, db::Db};

pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database_url).await?;
    db.refuse_newer().await?;
    let pending = db.pending_migrations().await?;
    if let Some(copy) = crate::services::backups::before_migrations(&db, &settings).await? {
        println!("Backed up the database to {} first.", copy.display());
    }
    db.migrate().await?;
    if pending.is_empty() {
        println!("{} is up to date.", settings.database_url.describe());
    } else {
        println!(
            "Applied {} migration(s) to {}:",
            pending.len(),
            settings.database_url.describe()
        );
        for name in pending {
            println!("  {name}");
        }
    }
    db.close().await?;
    Ok(())
}
