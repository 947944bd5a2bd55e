//! Migration `m0019_due_order_carries_number`: the work list's default-order index
//! (`idx_work_items_due_order`, m0015) also holds the item's number.
//!
//! A search on SQLite walks that index in order and keeps the items whose number is among the
//! full-text matches (m0018 keys the matches by number). Without the number in the index, each
//! step of the walk read the item's row to learn it — a common word meant reading most of the
//! table; with it, the walk reads the index alone. The same statements run on PostgreSQL.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const WITH_NUMBER: &str =
    "CREATE INDEX idx_work_items_due_order ON work_items ((due_at IS NULL), due_at, id, number)";
const WITHOUT_NUMBER: &str =
    "CREATE INDEX idx_work_items_due_order ON work_items ((due_at IS NULL), due_at, id)";

async fn replace(manager: &SchemaManager<'_>, create: &str) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    conn.execute_unprepared("DROP INDEX IF EXISTS idx_work_items_due_order")
        .await?;
    conn.execute_unprepared(create).await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        replace(manager, WITH_NUMBER).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        replace(manager, WITHOUT_NUMBER).await
    }

    /// One transaction, so the list is never left without its order index.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
