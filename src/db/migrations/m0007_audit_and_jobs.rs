//! Migration `m0007_audit_and_jobs`: the append-only `audit_log` and the database-backed `jobs`
//! queue.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::helpers::{create_table, drop_tables, fk, id, index, one_of, timestamp, timestamp_null};

/// Job states (frozen with this migration).
const JOB_STATES: &[&str] = &["QUEUED", "RUNNING", "DONE", "FAILED"];

/// Creates the audit log and job queue tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_table(
            manager,
            Table::create()
                .table("audit_log")
                .col(id())
                .col(uuid_null("actor_id"))
                .col(text("action"))
                .col(text("entity_type"))
                .col(uuid_null("entity_id"))
                // Deliberately no foreign key: an item's history outlives the item.
                .col(uuid_null("work_item_id"))
                // E.g. the title of a deleted item.
                .col(text_null("summary"))
                .col(json_binary_null("before"))
                .col(json_binary_null("after"))
                .col(text_null("ip"))
                .col(text_null("request_id"))
                .col(timestamp("created_at"))
                .foreign_key(&mut fk(
                    "audit_log",
                    "actor_id",
                    "users",
                    ForeignKeyAction::SetNull,
                ))
                .take(),
            vec![
                index("audit_log", &["work_item_id", "created_at"]),
                index("audit_log", &["actor_id", "created_at"]),
                index("audit_log", &["action", "created_at"]),
                index("audit_log", &["created_at"]),
            ],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table("jobs")
                .col(id())
                .col(text("kind"))
                .col(json_binary("payload"))
                .col(one_of("jobs", "state", JOB_STATES))
                .col(integer("attempts"))
                .col(integer("max_attempts"))
                .col(timestamp("run_at"))
                // A claim is a lease: a worker that dies lets it lapse and another picks the job
                // up.
                .col(timestamp_null("locked_until"))
                .col(text_null("locked_by"))
                .col(text_null("last_error"))
                .col(timestamp("created_at"))
                .col(timestamp("updated_at"))
                .col(timestamp_null("finished_at"))
                .take(),
            vec![index("jobs", &["state", "run_at"])],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["jobs", "audit_log"]).await
    }

    /// One transaction per migration on every backend, so a failure leaves no half-created schema
    /// behind.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
