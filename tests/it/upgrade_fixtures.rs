//! Upgrades from databases that earlier releases made (`tests/fixtures/upgrade-<release>.*`,
//! made by `scripts/make-upgrade-fixture.sh`): today's `ops-desktop migrate` brings each one
//! forward — on SQLite after a pre-migration backup — every table keeps its rows, the values
//! the release wrote read back the same, and the server serves them.

use std::{path::PathBuf, sync::Arc};

use reqwest::Method;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::Value;

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, TestDatabase, TestOptions, personas, process, snapshot::every_row,
        work::call,
    },
};

/// The fixture admin's password (see scripts/make-upgrade-fixture.sh).
const FIXTURE_PASSWORD: &str = "upgrade-fixture-password";
const FIXTURE_ADMIN: &str = "fixture.admin@example.com";

/// Every fixture of `backend` in tests/fixtures.
fn fixtures(backend: Backend) -> Vec<PathBuf> {
    let extension = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "sql",
    };
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.starts_with("upgrade-") && path.extension().is_some_and(|e| e == extension)
        })
        .collect();
    found.sort();
    assert!(
        !found.is_empty(),
        "no {extension} upgrade fixture in {}",
        dir.display()
    );
    found
}

/// Puts the fixture in the (empty) test database, as the release left it.
fn load(database: &TestDatabase, fixture: &PathBuf) {
    match database.sqlite_path() {
        Some(path) => {
            std::fs::copy(fixture, &path).unwrap();
        }
        None => {
            let output = std::process::Command::new("psql")
                .args(["-v", "ON_ERROR_STOP=1", "-q", "-d", &database.url, "-f"])
                .arg(fixture)
                .output()
                .expect("psql runs");
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
}

async fn text(db: &ops_desktop::db::Db, sql: &str) -> Vec<String> {
    db.conn()
        .query_all_raw(Statement::from_string(db.backend(), sql))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).unwrap())
        .collect()
}

/// The values the fixture script wrote, read straight from the tables.
async fn fixture_values_are_intact(db: &ops_desktop::db::Db) {
    assert_eq!(
        text(
            db,
            "SELECT title || '|' || status || '|' || priority || '|' || \
                  COALESCE(deliverable_type, '-') || '|' || CAST(version AS TEXT) \
                  FROM work_items WHERE title LIKE 'Fixture:%' ORDER BY title"
        )
        .await,
        [
            "Fixture: call the printer|PLANNED|NORMAL|-|2",
            "Fixture: spring newsletter|BACKLOG|HIGH|NEWSLETTER|1",
        ]
    );
    assert_eq!(
        text(
            db,
            "SELECT description FROM work_items WHERE title = 'Fixture: spring newsletter'"
        )
        .await,
        ["Kept from an earlier release: **bold** stays bold."]
    );
    assert_eq!(
        text(
            db,
            "SELECT t.tag FROM work_item_tags t JOIN work_items w ON w.id = t.work_item_id \
                  WHERE w.title = 'Fixture: spring newsletter' ORDER BY t.tag"
        )
        .await,
        ["fixture", "spring"]
    );
    assert_eq!(
        text(
            db,
            "SELECT s.title FROM subtasks s JOIN work_items w ON w.id = s.work_item_id \
                  WHERE w.title = 'Fixture: spring newsletter' ORDER BY s.title"
        )
        .await,
        ["Fixture: draft the intro", "Fixture: pick the photos"]
    );
    assert_eq!(
        text(db, "SELECT body FROM comments ORDER BY body").await,
        [
            "Fixture comment: the draft is in the shared folder.",
            "Fixture comment: they open at 9.",
        ]
    );
    assert_eq!(
        text(
            db,
            "SELECT external_id || '|' || event_type || '|' || state \
                  FROM integration_events WHERE source = 'fixture' ORDER BY external_id"
        )
        .await,
        [
            "fixture-1|contact.created|TRIAGE",
            "fixture-2|form.submitted|TRIAGE"
        ]
    );
    assert_eq!(
        text(
            db,
            "SELECT name || '|' || role FROM users WHERE email = 'fixture.admin@example.com'"
        )
        .await,
        ["Fixture Admin|ADMIN"]
    );
}

/// The items that existed before keys get the numbers 1, 2, ... in the order they were made.
async fn items_are_numbered_in_creation_order(db: &ops_desktop::db::Db) {
    let numbers = text(
        db,
        "SELECT CAST(number AS TEXT) FROM work_items ORDER BY created_at, id",
    )
    .await;
    let expected: Vec<String> = (1..=numbers.len()).map(|n| n.to_string()).collect();
    assert_eq!(numbers, expected);
}

/// Row counts of every table, bookkeeping aside.
fn counts(snapshot: &crate::support::snapshot::Snapshot) -> Vec<(String, usize)> {
    snapshot
        .iter()
        .filter(|(table, _)| table.as_str() != "seaql_migrations")
        .map(|(table, rows)| (table.clone(), rows.len()))
        .collect()
}

async fn each_earlier_release_migrates_forward_with_its_data(backend: Backend) {
    for fixture in fixtures(backend) {
        migrates_forward(backend, &fixture).await;
    }
}

async fn migrates_forward(backend: Backend, fixture: &PathBuf) {
    let database = Arc::new(TestDatabase::create(backend).await);
    load(&database, fixture);
    let db = database.connect().await;
    let pending = db.pending_migrations().await.unwrap();
    assert!(!pending.is_empty(), "{fixture:?} predates today's schema");
    fixture_values_are_intact(&db).await;
    let before = counts(&every_row(&db).await);
    assert!(
        before
            .iter()
            .any(|(table, n)| table == "work_items" && *n >= 10)
    );
    db.close().await.unwrap();

    // As an operator upgrades: today's binary, `migrate`, then `serve`.
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().display().to_string();
    let env = [
        ("DATABASE_URL", database.url.as_str()),
        ("OPS_DATA_DIR", data_dir.as_str()),
    ];
    let output = process::run(dir.path(), &env, &["migrate"], "");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(&format!("Applied {} migration(s)", pending.len())),
        "{stdout}"
    );
    if backend == Backend::Sqlite {
        assert!(stdout.contains("Backed up the database to"), "{stdout}");
    }

    let db = database.connect().await;
    assert!(db.pending_migrations().await.unwrap().is_empty());
    let after = counts(&every_row(&db).await);
    for (table, rows) in &before {
        // FTS5's shadow tables hold the search index's own layout, which a migration that
        // rebuilds the index changes; the search table itself keeps one row per item.
        if table.starts_with("work_items_fts_") {
            continue;
        }
        let now = after.iter().find(|(t, _)| t == table).map(|(_, n)| *n);
        assert_eq!(now, Some(*rows), "{fixture:?}: rows of {table}");
    }
    fixture_values_are_intact(&db).await;
    items_are_numbered_in_creation_order(&db).await;
    db.close().await.unwrap();

    serves_the_fixture(database).await;
}

/// The upgraded database works through the server: sign-in with the password the release
/// stored, the items, their comments and the events.
async fn serves_the_fixture(database: Arc<TestDatabase>) {
    let app = TestApp::spawn_on(database, TestOptions::default()).await;
    let client = personas::sign_in(&app, FIXTURE_ADMIN, FIXTURE_PASSWORD).await;
    let me: Value = client
        .get(app.url("/api/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let admin = personas::Persona {
        user: ops_desktop::services::users::find_by_email(
            app.db().conn(),
            &ops_desktop::domain::user::Email::parse(FIXTURE_ADMIN).unwrap(),
        )
        .await
        .unwrap()
        .unwrap(),
        csrf: me["data"]["csrfToken"].as_str().unwrap().to_string(),
        client,
    };
    let (status, list) = call(&app, &admin, Method::GET, "/api/work-items?q=printer", None).await;
    assert_eq!(status, 200, "{list}");
    let item = &list["data"][0];
    assert_eq!(item["title"], "Fixture: call the printer");
    assert_eq!(item["status"], "PLANNED");
    let key = item["key"].as_str().unwrap();
    let (status, by_key) = call(
        &app,
        &admin,
        Method::GET,
        &format!("/api/work-items/{key}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{by_key}");
    assert_eq!(by_key["data"]["id"], item["id"]);
    // New items carry on after the numbers the upgrade gave out.
    let (status, total) = call(&app, &admin, Method::GET, "/api/work-items?limit=200", None).await;
    assert_eq!(status, 200);
    let existing = total["data"].as_array().unwrap().len();
    let (status, created) = call(
        &app,
        &admin,
        Method::POST,
        "/api/work-items",
        Some(serde_json::json!({"title": "After the upgrade"})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["data"]["key"], format!("OPS-{}", existing + 1));
    let path = format!("/api/work-items/{}/comments", item["id"].as_str().unwrap());
    let (status, comments) = call(&app, &admin, Method::GET, &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        comments["data"][0]["body"],
        "Fixture comment: they open at 9."
    );
    let (status, events) = call(&app, &admin, Method::GET, "/api/events?state=TRIAGE", None).await;
    assert_eq!(status, 200);
    assert!(
        events["data"]["inbound"]["counts"]["TRIAGE"].as_i64() >= Some(2),
        "{events}"
    );
    let board = admin.client.get(app.url("/board")).send().await.unwrap();
    assert_eq!(board.status(), 200);
    assert!(
        board
            .text()
            .await
            .unwrap()
            .contains("Fixture: spring newsletter")
    );
    app.stop().await;
}

on_both_backends!(each_earlier_release_migrates_forward_with_its_data);
