//! Migration `m0018_search_by_number`: on SQLite the full-text table is keyed by the item's
//! number (m0016) as its rowid, where m0008 kept the item's id in an unindexed column.
//!
//! FTS5 stores each match's rowid in the index's doclists, but an unindexed column only in its
//! content table, so reading the id of every match cost one seek of the content table per
//! match: a common word matching most items read most of the table. A match's rowid is read
//! from the doclists alone, and the item is found by its unique number.
//!
//! A rowid that FTS5 is given is kept as given (VACUUM renumbers only implicit rowids of
//! ordinary tables), and an item's number never changes, so the key is stable.
//!
//! PostgreSQL is untouched: its search is a `tsvector` column of the item's own row.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Either shape: the table and the triggers that keep it in step.
const DROP_SEARCH: &[&str] = &[
    "DROP TRIGGER IF EXISTS work_items_fts_insert",
    "DROP TRIGGER IF EXISTS work_items_fts_update",
    "DROP TRIGGER IF EXISTS work_items_fts_delete",
    "DROP TABLE IF EXISTS work_items_fts",
];

/// Keyed by number. Every item has one (m0016's trigger refuses an insert without it), and
/// the insert trigger runs after that one.
const BY_NUMBER: &[&str] = &[
    "CREATE VIRTUAL TABLE work_items_fts USING fts5(title, description, client, tokenize = 'unicode61 remove_diacritics 2')",
    "INSERT INTO work_items_fts (rowid, title, description, client) \
       SELECT number, title, description, coalesce(client, '') FROM work_items WHERE number IS NOT NULL",
    "CREATE TRIGGER work_items_fts_insert AFTER INSERT ON work_items BEGIN \
       INSERT INTO work_items_fts (rowid, title, description, client) VALUES (new.number, new.title, new.description, coalesce(new.client, '')); END",
    "CREATE TRIGGER work_items_fts_update AFTER UPDATE OF title, description, client, number ON work_items BEGIN \
       DELETE FROM work_items_fts WHERE rowid = old.number; \
       INSERT INTO work_items_fts (rowid, title, description, client) VALUES (new.number, new.title, new.description, coalesce(new.client, '')); END",
    "CREATE TRIGGER work_items_fts_delete AFTER DELETE ON work_items BEGIN \
       DELETE FROM work_items_fts WHERE rowid = old.number; END",
];

/// m0008's shape, keyed by id, for rolling back.
const BY_ID: &[&str] = &[
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

async fn rebuild(manager: &SchemaManager<'_>, shape: &[&str]) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    if conn.get_database_backend() == DbBackend::Postgres {
        return Ok(());
    }
    for statement in DROP_SEARCH.iter().chain(shape) {
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
        rebuild(manager, BY_NUMBER).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rebuild(manager, BY_ID).await
    }
}
