//! `backup` makes a consistent copy while the server runs; `restore` puts it back.

use ops_desktop::db::entities::{subtask, work_item};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use crate::{
    on_both_backends,
    support::{Backend, TestApp, TestDatabase, personas, process, work::create_item},
};

async fn a_backup_taken_while_running_restores_elsewhere(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    ops_desktop::services::demo::seed(app.db(), crate::support::personas::PASSWORD)
        .await
        .unwrap();
    let staff = personas::staff(&app).await;
    create_item(
        &app,
        &staff,
        json!({"title": "Made just before the backup"}),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ops.backup");
    let file_arg = file.display().to_string();

    let made = process::run(
        dir.path(),
        &[("DATABASE_URL", &app.database.url)],
        &["backup", "--out", &file_arg],
        "",
    );
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let again = process::run(
        dir.path(),
        &[("DATABASE_URL", &app.database.url)],
        &["backup", "--out", &file_arg],
        "",
    );
    assert!(
        !again.status.success(),
        "an existing file is never overwritten"
    );

    let target = TestDatabase::create(backend).await;
    let restored = process::run(
        dir.path(),
        &[("DATABASE_URL", &target.url)],
        &["restore", "--from", &file_arg],
        "",
    );
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    let db = target.connect().await;
    assert_eq!(work_item::Entity::find().count(db.conn()).await.unwrap(), 9);
    assert_eq!(subtask::Entity::find().count(db.conn()).await.unwrap(), 29);
    db.close().await.unwrap();

    let bogus = dir.path().join("not-a-backup");
    std::fs::write(&bogus, "hello").unwrap();
    let refused = process::run(
        dir.path(),
        &[("DATABASE_URL", &target.url)],
        &["restore", "--from", &bogus.display().to_string()],
        "",
    );
    assert!(!refused.status.success());
    app.stop().await;
}

on_both_backends!(a_backup_taken_while_running_restores_elsewhere);
