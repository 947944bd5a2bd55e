//! The built-in backup job: on a schedule, one instance at a time, private files, retention,
//! and the last success in `/metrics`; plus the automatic copy taken before new migrations
//! change an SQLite database, and the database file itself being private.

use std::{os::unix::fs::PermissionsExt, path::Path, sync::Arc};

use ops_desktop::{config::Settings, jobs, services::backups, services::jobs_overview};
use sea_orm_migration::MigratorTrait;

use crate::{
    on_both_backends,
    support::{Backend, TestApp, TestDatabase, TestOptions, wait_until},
};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

fn backup_env(dir: &Path, keep: &str) -> Vec<(String, String)> {
    vec![
        ("BACKUP_INTERVAL_HOURS".into(), "24".into()),
        ("BACKUP_DIR".into(), dir.display().to_string()),
        ("BACKUP_KEEP".into(), keep.into()),
    ]
}

async fn scheduled_backups_run_once_per_slot_privately_and_are_pruned(backend: Backend) {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("backups");
    let database = Arc::new(TestDatabase::create(backend).await);
    let options = || TestOptions {
        env: backup_env(&dir, "2"),
        ..TestOptions::default()
    };
    // Two instances on one database: one backup for the slot, whoever takes the job.
    let first = TestApp::spawn_on(database.clone(), options()).await;
    let second = TestApp::spawn_on(database.clone(), options()).await;
    wait_until(60, "the scheduled backup to finish", || async {
        jobs_overview::last_done(first.db(), jobs::backup::SPEC.kind)
            .await
            .unwrap()
            .is_some()
    })
    .await;
    let made = names(&dir);
    assert_eq!(made.len(), 1, "one backup for the slot: {made:?}");
    let ext = if backend == Backend::Sqlite {
        ".db"
    } else {
        ".dump"
    };
    assert!(made[0].starts_with("ops-desktop-") && made[0].ends_with(ext));
    assert_eq!(mode(&dir), 0o700, "the backup folder is private");
    assert_eq!(mode(&dir.join(&made[0])), 0o600, "the backup is private");
    if backend == Backend::Sqlite {
        let header = std::fs::read(dir.join(&made[0])).unwrap();
        assert!(header.starts_with(b"SQLite format 3\0"));
    }
    for app in [&first, &second] {
        let metrics = app.get("/metrics").await.text().await.unwrap();
        let line = metrics
            .lines()
            .find(|line| line.starts_with("ops_backup_last_success_timestamp_seconds "))
            .unwrap_or_else(|| panic!("no backup gauge in {metrics}"));
        let at: f64 = line.split(' ').nth(1).unwrap().parse().unwrap();
        assert!((chrono::Utc::now().timestamp() as f64 - at).abs() < 120.0);
    }
    first.stop().await;
    second.stop().await;

    // Retention: older scheduled backups go, the pre-migration ones stay.
    for old in [
        format!("ops-desktop-20200101T000000Z{ext}"),
        format!("ops-desktop-20200102T000000Z{ext}"),
        "ops-desktop-pre-migration-20200101T000000Z.db".to_string(),
    ] {
        std::fs::write(dir.join(old), b"old").unwrap();
    }
    let settings = Settings::from_lookup(|name| match name {
        "DATABASE_URL" => Some(database.url.clone()),
        other => backup_env(&dir, "2")
            .into_iter()
            .find(|(key, _)| key == other)
            .map(|(_, value)| value),
    })
    .unwrap();
    // Names carry the second: make sure the new one differs from the first.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let db = database.connect().await;
    let newest = backups::run_scheduled(&db, &settings).await.unwrap();
    db.close().await.unwrap();
    let mut expected = vec![
        made[0].clone(),
        newest.file_name().unwrap().to_str().unwrap().to_string(),
        "ops-desktop-pre-migration-20200101T000000Z.db".to_string(),
    ];
    expected.sort();
    assert_eq!(names(&dir), expected, "the newest two scheduled ones stay");
}

on_both_backends!(scheduled_backups_run_once_per_slot_privately_and_are_pruned);

#[tokio::test]
async fn new_migrations_on_a_used_sqlite_database_are_preceded_by_a_backup() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("backups");
    let database = Arc::new(TestDatabase::create(Backend::Sqlite).await);
    let options = || TestOptions {
        env: vec![("BACKUP_DIR".into(), dir.display().to_string())],
        ..TestOptions::default()
    };
    // A new database: nothing to protect, so no copy.
    let app = TestApp::spawn_on(database.clone(), options()).await;
    ops_desktop::services::demo::seed(app.db(), crate::support::personas::PASSWORD)
        .await
        .unwrap();
    app.stop().await;
    assert!(!dir.exists(), "no backup of an empty database");

    // As if made by the previous release: its newest migration not applied yet.
    let db = database.connect().await;
    ops_desktop::db::Migrator::down(db.conn(), Some(1))
        .await
        .unwrap();
    db.close().await.unwrap();
    let app = TestApp::spawn_on(database.clone(), options()).await;
    app.stop().await;
    let made = names(&dir);
    assert_eq!(made.len(), 1, "{made:?}");
    assert!(made[0].starts_with("ops-desktop-pre-migration-"));
    assert_eq!(mode(&dir.join(&made[0])), 0o600);
    // The copy is the database as it was: one migration behind, with its data.
    let copy = Settings::from_lookup(|name| {
        (name == "DATABASE_URL").then(|| format!("sqlite://{}", dir.join(&made[0]).display()))
    })
    .unwrap();
    let old = ops_desktop::db::Db::connect(&copy.database_url)
        .await
        .unwrap();
    assert_eq!(old.pending_migrations().await.unwrap().len(), 1);
    assert_eq!(
        ops_desktop::db::Migrator::get_applied_migrations(old.conn())
            .await
            .unwrap()
            .len(),
        ops_desktop::db::Migrator::migrations().len() - 1
    );
    old.close().await.unwrap();

    // Up to date now: the next start copies nothing.
    let app = TestApp::spawn_on(database.clone(), options()).await;
    app.stop().await;
    assert_eq!(names(&dir).len(), 1);
}

#[tokio::test]
async fn the_sqlite_database_and_its_wal_are_private() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let path = database.sqlite_path().unwrap();
    // A file someone made world-readable is tightened on open.
    std::fs::write(&path, b"").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let db = database.connect().await;
    db.migrate().await.unwrap();
    assert_eq!(mode(&path), 0o600);
    let wal = path.with_file_name("ops-test.db-wal");
    let shm = path.with_file_name("ops-test.db-shm");
    assert!(wal.exists() && shm.exists(), "WAL mode is on");
    assert_eq!((mode(&wal), mode(&shm)), (0o600, 0o600));
    db.close().await.unwrap();

    let fresh = TestDatabase::create(Backend::Sqlite).await;
    let db = fresh.connect().await;
    assert_eq!(
        mode(&fresh.sqlite_path().unwrap()),
        0o600,
        "created private"
    );
    db.close().await.unwrap();
}
