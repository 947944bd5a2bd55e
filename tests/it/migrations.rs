//! The schema: migrations from empty on both backends, the tables and indexes they make, the
//! constraints that keep data honest, and the SQLite pragmas.

use ops_desktop::db::Db;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::MigratorTrait;

use crate::{
    on_both_backends,
    support::{Backend, TestDatabase},
};

const TABLES: &[&str] = &[
    "users",
    "sessions",
    "api_tokens",
    "email_links",
    "templates",
    "template_subtasks",
    "work_items",
    "work_item_tags",
    "qc_checklist_items",
    "subtasks",
    "comments",
    "messages",
    "notifications",
    "cadences",
    "calendar_feeds",
    "integration_rules",
    "integration_events",
    "audit_log",
    "jobs",
    "notification_preferences",
];

const INDEXES: &[&str] = &[
    "idx_users_email",
    "idx_work_items_status_rank",
    "idx_work_items_status_due_at",
    "idx_work_items_status_owner_id",
    "idx_work_items_status_completed_at_created_at",
    "idx_work_items_due_order",
    "idx_work_items_proof_status_updated_at",
    "idx_work_items_owner_id",
    "idx_work_items_item_type",
    "idx_work_items_due_at",
    "idx_work_items_start_at",
    "idx_work_items_waiting_on_user_id_waiting_since",
    "idx_work_items_cadence_key",
    "idx_work_item_tags_tag",
    "idx_cadences_slug",
    "idx_integration_events_dedupe_key",
    "idx_jobs_state_run_at",
    "idx_notifications_overdue_once",
];

async fn names(db: &Db, sql_sqlite: &str, sql_postgres: &str) -> Vec<String> {
    let sql = match db.backend() {
        DbBackend::Postgres => sql_postgres,
        _ => sql_sqlite,
    };
    db.conn()
        .query_all_raw(Statement::from_string(db.backend(), sql))
        .await
        .expect("catalog query")
        .iter()
        .map(|row| row.try_get::<String>("", "name").expect("name column"))
        .collect()
}

async fn tables(db: &Db) -> Vec<String> {
    names(
        db,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'",
    )
    .await
}

async fn indexes(db: &Db) -> Vec<String> {
    names(
        db,
        "SELECT name FROM sqlite_master WHERE type = 'index'",
        "SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public'",
    )
    .await
}

async fn migrations_run_from_empty_and_cover_every_entity(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let db = database.connect().await;
    assert_eq!(
        db.pending_migrations().await.unwrap().len(),
        ops_desktop::db::Migrator::migrations().len()
    );
    assert!(
        db.check_ready().await.is_err(),
        "an empty database is not ready"
    );

    db.migrate().await.expect("migrations apply");
    assert!(db.pending_migrations().await.unwrap().is_empty());
    db.check_ready().await.expect("ready once migrated");
    let found = tables(&db).await;
    for table in TABLES {
        assert!(
            found.iter().any(|t| t == table),
            "table {table} missing: {found:?}"
        );
    }
    let found = indexes(&db).await;
    for index in INDEXES {
        assert!(
            found.iter().any(|i| i == index),
            "index {index} missing: {found:?}"
        );
    }

    // Running again changes nothing; rolling everything back and forward works.
    db.migrate().await.expect("a second run is a no-op");
    ops_desktop::db::Migrator::down(db.conn(), None)
        .await
        .expect("down");
    let left = tables(&db).await;
    assert_eq!(
        left,
        vec!["seaql_migrations".to_string()],
        "only bookkeeping remains"
    );
    db.migrate().await.expect("up again");
    assert!(db.pending_migrations().await.unwrap().is_empty());
    db.close().await.unwrap();
}

async fn constraints_hold_on_both_backends(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let db = database.connect().await;
    db.migrate().await.unwrap();
    ops_desktop::services::demo::seed(&db, crate::support::personas::PASSWORD)
        .await
        .unwrap();
    let count = |sql: &'static str| {
        let db = db.clone();
        async move {
            db.conn()
                .query_one_raw(Statement::from_string(db.backend(), sql))
                .await
                .unwrap()
                .unwrap()
                .try_get::<i64>("", "n")
                .unwrap()
        }
    };

    // Unique, case-insensitive email (emails are stored lowercased by the service).
    let duplicate = ops_desktop::services::users::create_user(
        &db,
        ops_desktop::services::users::NewUser {
            email: "MORGAN@demo.opsdesktop.app".into(),
            name: "Another Morgan".into(),
            role: "STAFF".into(),
            password: None,
        },
    )
    .await;
    assert!(matches!(
        duplicate,
        Err(ops_desktop::services::ServiceError::Conflict(_))
    ));

    // A CHECK constraint refuses a status outside the list.
    let bad_status = db
        .conn()
        .execute_unprepared("UPDATE work_items SET status = 'DOING'")
        .await;
    assert!(bad_status.is_err(), "CHECK constraint on status");

    // Deleting an item cascades to its parts (on SQLite this proves foreign_keys=ON).
    let subtasks_before = count("SELECT COUNT(*) AS n FROM subtasks").await;
    assert_eq!(subtasks_before, 29);
    db.conn()
        .execute_unprepared("DELETE FROM work_items WHERE title = 'Podcast episode 22: show notes'")
        .await
        .unwrap();
    assert_eq!(count("SELECT COUNT(*) AS n FROM subtasks").await, 24);
    assert_eq!(
        count("SELECT COUNT(*) AS n FROM qc_checklist_items WHERE label = 'Guest links added'")
            .await,
        0
    );
    db.close().await.unwrap();
}

on_both_backends!(
    migrations_run_from_empty_and_cover_every_entity,
    constraints_hold_on_both_backends,
);

#[tokio::test]
async fn sqlite_connections_use_the_documented_pragmas() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let db = database.connect().await;
    let pragma = |name: &'static str| {
        let db = db.clone();
        async move {
            let row = db
                .conn()
                .query_one_raw(Statement::from_string(
                    DbBackend::Sqlite,
                    format!("PRAGMA {name}"),
                ))
                .await
                .unwrap()
                .unwrap();
            row.try_get_by_index::<String>(0)
                .or_else(|_| row.try_get_by_index::<i64>(0).map(|n| n.to_string()))
                .unwrap()
        }
    };
    assert_eq!(pragma("journal_mode").await, "wal");
    assert_eq!(pragma("foreign_keys").await, "1");
    assert_eq!(pragma("synchronous").await, "2", "FULL");
    assert_eq!(pragma("busy_timeout").await, "5000");
    assert!(
        database.sqlite_path().unwrap().exists(),
        "the file was created"
    );
}
