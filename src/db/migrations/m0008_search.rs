//! Migration `m0008_search`: full-text search over a work item's title, description and
//! client — an FTS5 table kept in step by triggers on SQLite, a generated `tsvector` column
//! with a GIN index on PostgreSQL. The one migration whose SQL differs by backend, because
//! full-text search is where the two engines differ.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

/// Adds the search index.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// SQLite: a standalone FTS5 table keyed by the item id (not the hidden rowid, which VACUUM
/// may renumber), filled from the existing rows and maintained by triggers.
const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE work_items_fts USING fts5(id UNINDEXED, title, description, client, tokenize = 'unicode61 remove_diacritics 2')",
    "INSERT INTO work_items_fts (id, title, description, client) SELECT id, title, description, coalesce(client, '') FROM work_items",
    "CREATE TRIGGER work_items_fts_insert AFTER INSERT ON work_items BEGIN \
       INSERT INTO work_items_fts (id, title, description, client) VALUES (new.id, new.title, new.description, coalesce(new.client, '')); END",
    "CREATE TRIGGER work_items_fts_update AFTER UPDATE OF title, description, client ON work_items BEGIN \
       DELETE FROM work_items_fts WHERE id = old.id; \
       INSERT INTO work_items_fts (id, title, description, client) VALUES (new.id, new.title, new.description, coalesce(new.client, '')); END",
    "CREATE TRIGGER work_items_fts_delete AFTER DELETE ON work_items BEGIN \
       DELETE FROM work_items_fts WHERE id = old.id; END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS work_items_fts_insert",
    "DROP TRIGGER IF EXISTS work_items_fts_update",
    "DROP TRIGGER IF EXISTS work_items_fts_delete",
    "DROP TABLE IF EXISTS work_items_fts",
];

/// PostgreSQL: the `simple` configuration (no stemming) matches SQLite's tokenizer.
const POSTGRES_UP: &[&str] = &[
    "ALTER TABLE work_items ADD COLUMN search tsvector GENERATED ALWAYS AS \
       (to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(description, '') || ' ' || coalesce(client, ''))) STORED",
    "CREATE INDEX idx_work_items_search ON work_items USING GIN (search)",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS idx_work_items_search",
    "ALTER TABLE work_items DROP COLUMN IF EXISTS search",
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
