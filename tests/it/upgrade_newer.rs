//! Rolling back the binary without restoring the database: a database that a newer release
//! migrated (it records a migration this build does not know) is refused at start, with a
//! message that says what to do and an exit code of its own, and is left untouched.

use sea_orm::ConnectionTrait;

use crate::{
    on_both_backends,
    support::{Backend, TestDatabase, process, snapshot::every_row},
};

async fn a_database_from_a_newer_release_is_refused(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let db = database.connect().await;
    db.migrate().await.unwrap();
    // A database a later release branched off from: one of ours is still to apply (so a
    // pre-migration backup would be due), and one this build has never heard of is applied.
    db.conn()
        .execute_unprepared(
            "DELETE FROM seaql_migrations \
             WHERE version = (SELECT MAX(version) FROM seaql_migrations)",
        )
        .await
        .unwrap();
    db.conn()
        .execute_unprepared(
            "INSERT INTO seaql_migrations (version, applied_at) \
             VALUES ('m0999_from_a_later_release', 1900000000)",
        )
        .await
        .unwrap();
    let before = every_row(&db).await;

    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let data_dir = data_dir.display().to_string();
    let env = [
        ("DATABASE_URL", database.url.as_str()),
        ("BIND_ADDR", "127.0.0.1:0"),
        ("OPS_DATA_DIR", data_dir.as_str()),
    ];
    for command in [&["serve"][..], &["migrate"], &["seed-demo"]] {
        let output = process::run(dir.path(), &env, command, "");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(i32::from(ops_desktop::cli::EXIT_DATABASE_NEWER)),
            "{command:?}: {stderr}"
        );
        assert!(
            stderr.contains("migrated by a newer release")
                && stderr.contains("m0999_from_a_later_release")
                && stderr.contains("docs/UPGRADING.md"),
            "{command:?} says why and what to do: {stderr}"
        );
    }
    assert_eq!(every_row(&db).await, before, "nothing was written");
    assert!(
        !std::path::Path::new(&data_dir).join("backups").exists(),
        "no pre-migration backup was taken either"
    );
    db.close().await.unwrap();
}

on_both_backends!(a_database_from_a_newer_release_is_refused);
