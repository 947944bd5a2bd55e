//! Migration `m0020_calendar_placement`: an index on the instant that places an item on the
//! calendar (an event's start, otherwise its due time), with what the calendar reads beside it.
//!
//! The calendar found its items through the `due_at` and `start_at` indexes together, read each
//! item's row to work out which of the two places it, and sorted them all; two busy weeks are
//! thousands of items. With the placing instant indexed, the range is one walk of this index in
//! the calendar's order, and the item's id, status, type and both times are in the index, so no
//! row is read (SQLite and PostgreSQL both recompute the instant from the columns; the same
//! statement runs on both).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The expression is the calendar's own (`services::calendar::PLACED_AT`), character for
/// character, so the query planners recognise it.
const CREATE: &str = "CREATE INDEX idx_work_items_placed_at ON work_items (\
     (CASE WHEN item_type = 'EVENT' THEN COALESCE(start_at, due_at) ELSE COALESCE(due_at, start_at) END), \
     id, status, item_type, start_at, due_at)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared(CREATE).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS idx_work_items_placed_at")
            .await?;
        Ok(())
    }
}
