//! Migration `m0015_view_indexes`: indexes shaped like the queries of the views people keep
//! open, so their cost follows what they show rather than how many items the table holds
//! (measured by `ops-desktop bench`; what each bought is in BENCHMARKS.md).
//!
//! - The stats counts and the inbox filter on the open statuses (`status IN (...)`) and read
//!   one more column each: `(status, x)` answers each of them from the index alone.
//! - The work list's default order (due date, undated last, then id) is an index, so its first
//!   page reads 51 index entries instead of sorting every item.
//! - The proofing queue is found by `proof_status`, oldest first; the items waiting on a
//!   person by `waiting_on_user_id`, longest wait first.
//!
//! `idx_work_items_status` and `idx_work_items_waiting_on_user_id` go: the new indexes that
//! start with their column (and the board's `(status, rank)`) serve what they served, and
//! fewer indexes make every write cheaper.
//! The same statements run on SQLite and PostgreSQL (both index expressions).

use sea_orm_migration::prelude::*;

use super::helpers::index;

/// The work list's default order: `(due_at IS NULL), due_at, id`, as the list query sorts.
const DUE_ORDER_UP: &str =
    "CREATE INDEX idx_work_items_due_order ON work_items ((due_at IS NULL), due_at, id)";

/// Indexes that a new one starts with, so it serves their queries too.
const REDUNDANT: [&str; 2] = ["idx_work_items_status", "idx_work_items_waiting_on_user_id"];

/// Adds the view indexes.
#[derive(DeriveMigrationName)]
pub struct Migration;

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        index("work_items", &["status", "due_at"]),
        index("work_items", &["status", "owner_id"]),
        index("work_items", &["status", "item_type"]),
        index("work_items", &["status", "completed_at", "created_at"]),
        index(
            "work_items",
            &["status", "waiting_on_user_id", "waiting_since"],
        ),
        index("work_items", &["waiting_on_user_id", "waiting_since"]),
        index("work_items", &["proof_status", "updated_at"]),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for statement in indexes() {
            manager.create_index(statement).await?;
        }
        let conn = manager.get_connection();
        conn.execute_unprepared(DUE_ORDER_UP).await?;
        for redundant in REDUNDANT {
            conn.execute_unprepared(&format!("DROP INDEX {redundant}"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        conn.execute_unprepared("CREATE INDEX idx_work_items_status ON work_items (status)")
            .await?;
        conn.execute_unprepared(
            "CREATE INDEX idx_work_items_waiting_on_user_id ON work_items (waiting_on_user_id)",
        )
        .await?;
        conn.execute_unprepared("DROP INDEX IF EXISTS idx_work_items_due_order")
            .await?;
        for statement in indexes() {
            let name = statement
                .get_index_spec()
                .get_name()
                .unwrap_or_default()
                .to_string();
            conn.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                .await?;
        }
        Ok(())
    }

    /// One transaction per migration on every backend, so a failure leaves no half-created schema
    /// behind.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
