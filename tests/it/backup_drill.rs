//! The restore drill: back up, change the data, restore — and every row of every table equals
//! what was backed up. Backups are private files, and a PostgreSQL password never reaches the
//! command line of `pg_dump` or `pg_restore`.

use std::os::unix::fs::PermissionsExt;

use ops_desktop::services::users::{self, NewUser};
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, TestDatabase, personas, process,
        snapshot::{self, every_row},
        work::create_item,
    },
};

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn succeeded(output: &std::process::Output) {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn a_restore_brings_back_exactly_what_was_backed_up(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    ops_desktop::services::demo::seed(app.db(), crate::support::personas::PASSWORD)
        .await
        .unwrap();
    let staff = personas::staff(&app).await;
    create_item(&app, &staff, json!({"title": "Made before the backup"})).await;
    let database = app.database.clone();
    // Stopped, so no background job writes between the snapshot and the backup.
    app.stop().await;
    let db = database.connect().await;
    let backed_up = every_row(&db).await;
    assert!(backed_up["work_items"].len() >= 9 && backed_up["users"].len() >= 5);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("drill.backup");
    let file_arg = file.display().to_string();
    let env = [("DATABASE_URL", database.url.as_str())];
    succeeded(&process::run(
        dir.path(),
        &env,
        &["backup", "--out", &file_arg],
        "",
    ));
    assert_eq!(mode(&file), 0o600, "the backup is private");

    // Change the data in every way a day of work would: delete, add, edit.
    db.conn()
        .execute_unprepared("DELETE FROM work_items WHERE title = 'Made before the backup'")
        .await
        .unwrap();
    db.conn()
        .execute_unprepared("UPDATE users SET name = 'Renamed after the backup'")
        .await
        .unwrap();
    users::create_user(
        &db,
        NewUser {
            email: "after@example.com".into(),
            name: "Added after the backup".into(),
            role: "STAFF".into(),
            password: None,
        },
    )
    .await
    .unwrap();
    assert_ne!(every_row(&db).await, backed_up, "the data did change");
    db.close().await.unwrap();

    succeeded(&process::run(
        dir.path(),
        &env,
        &["restore", "--from", &file_arg],
        "",
    ));
    let db = database.connect().await;
    snapshot::assert_same(&every_row(&db).await, &backed_up, "after the restore");
    db.close().await.unwrap();
}

on_both_backends!(a_restore_brings_back_exactly_what_was_backed_up);

/// A stand-in for a PostgreSQL tool that writes down its arguments and `PGPASSWORD`, then
/// runs the real tool.
fn recording_wrapper(bin: &std::path::Path, tool: &str, notes: &std::path::Path) {
    let real = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .unwrap();
    let real = String::from_utf8(real.stdout).unwrap().trim().to_string();
    assert!(!real.is_empty(), "{tool} is installed");
    let script = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{notes}/{tool}.args'\nprintf '%s' \"$PGPASSWORD\" > '{notes}/{tool}.password'\nexec '{real}' \"$@\"\n",
        notes = notes.display()
    );
    let path = bin.join(tool);
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[tokio::test]
async fn the_postgres_password_never_goes_on_a_command_line() {
    if !crate::support::database::postgres_available() {
        return;
    }
    let database = TestDatabase::create(Backend::Postgres).await;
    let db = database.connect().await;
    db.migrate().await.unwrap();
    db.close().await.unwrap();
    // The test server trusts local connections, so any password works — and must be hidden.
    let mut url = url::Url::parse(&database.url).unwrap();
    url.set_password(Some("drill-s3cret")).unwrap();
    let url = url.to_string();

    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    for tool in ["pg_dump", "pg_restore"] {
        recording_wrapper(&bin, tool, dir.path());
    }
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let env = [("DATABASE_URL", url.as_str()), ("PATH", path.as_str())];
    let file = dir.path().join("db.dump").display().to_string();
    succeeded(&process::run(
        dir.path(),
        &env,
        &["backup", "--out", &file],
        "",
    ));
    succeeded(&process::run(
        dir.path(),
        &env,
        &["restore", "--from", &file],
        "",
    ));
    for tool in ["pg_dump", "pg_restore"] {
        let args = std::fs::read_to_string(dir.path().join(format!("{tool}.args"))).unwrap();
        assert!(!args.contains("drill-s3cret"), "{tool} args: {args}");
        assert!(
            args.contains("127.0.0.1"),
            "{tool} still gets the address: {args}"
        );
        let password =
            std::fs::read_to_string(dir.path().join(format!("{tool}.password"))).unwrap();
        assert_eq!(password, "drill-s3cret", "{tool} reads it from PGPASSWORD");
    }
}
