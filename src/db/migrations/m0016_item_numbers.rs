//! Migration `m0016_item_numbers`: every work item gets a number, sequential per installation,
//! shown to people as its key (`OPS-12`, see `domain::item_key`). Items that exist are numbered
//! in the order they were created.
//!
//! Numbers are never reused, even after the newest item is deleted, so a key written down once
//! never comes to mean another item:
//! - PostgreSQL keeps the counter in a sequence, which concurrent transactions draw from without
//!   waiting on each other; it is also the column's default, so an insert that leaves the
//!   column out still gets a number.
//! - SQLite keeps it in the one-row table `work_item_numbers`, bumped inside the write
//!   transaction (SQLite runs one at a time). A trigger refuses an insert without a number,
//!   because SQLite cannot give a column a default drawn from a table.
//!
//! Both hold the numbers unique with an index. `db::item_numbers` draws the next one.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Numbers the existing items in creation order (the id breaks ties: UUIDv7, time-ordered).
const NUMBER_EXISTING_SQLITE: &str = "UPDATE work_items SET number = \
    (SELECT r.n FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n FROM work_items) r \
     WHERE r.id = work_items.id)";

const SQLITE_UP: &[&str] = &[
    "ALTER TABLE work_items ADD COLUMN number INTEGER",
    NUMBER_EXISTING_SQLITE,
    "CREATE UNIQUE INDEX idx_work_items_number ON work_items (number)",
    "CREATE TABLE work_item_numbers (id INTEGER PRIMARY KEY CHECK (id = 1), last INTEGER NOT NULL)",
    "INSERT INTO work_item_numbers (id, last) SELECT 1, coalesce(max(number), 0) FROM work_items",
    "CREATE TRIGGER work_items_number_required BEFORE INSERT ON work_items WHEN new.number IS NULL \
     BEGIN SELECT RAISE(ABORT, 'work_items.number is required'); END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS work_items_number_required",
    "DROP TABLE IF EXISTS work_item_numbers",
    "DROP INDEX IF EXISTS idx_work_items_number",
    "ALTER TABLE work_items DROP COLUMN number",
];

const POSTGRES_UP: &[&str] = &[
    "ALTER TABLE work_items ADD COLUMN number BIGINT",
    "UPDATE work_items SET number = r.n \
     FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n FROM work_items) r \
     WHERE r.id = work_items.id",
    "CREATE SEQUENCE work_items_number_seq OWNED BY work_items.number",
    // `false`: the next nextval() returns this value itself.
    "SELECT setval('work_items_number_seq', coalesce((SELECT max(number) FROM work_items), 0) + 1, false)",
    "ALTER TABLE work_items ALTER COLUMN number SET DEFAULT nextval('work_items_number_seq'), \
     ALTER COLUMN number SET NOT NULL",
    "CREATE UNIQUE INDEX idx_work_items_number ON work_items (number)",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS idx_work_items_number",
    // Drops the sequence too: the column owns it.
    "ALTER TABLE work_items DROP COLUMN IF EXISTS number",
];

async fn run(manager: &SchemaManager<'_>, sqlite: &[&str], postgres: &[&str]) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    let statements = match conn.get_database_backend() {
        DbBackend::Postgres => postgres,
        _ => sqlite,
    };
    for statement in statements {
        conn.execute_unprepared(statement).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, SQLITE_UP, POSTGRES_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, SQLITE_DOWN, POSTGRES_DOWN).await
    }
}
