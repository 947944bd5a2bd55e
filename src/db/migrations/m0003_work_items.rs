//! Migration `m0003_work_items`: the unit of work — `work_items`, its tags (`work_item_tags`) and
//! its QC checklist (`qc_checklist_items`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::helpers::{
    create_table, drop_tables, fk, id, index, index_named, one_of, one_of_null, sort_key,
    timestamp, timestamp_null, unique_index,
};
use super::m0002_templates::{DELIVERABLE_TYPES, ITEM_TYPES, PRIORITIES};

/// Work item statuses (frozen with this migration).
const STATUSES: &[&str] = &[
    "BACKLOG",
    "PLANNED",
    "IN_PROGRESS",
    "IN_REVIEW",
    "DONE",
    "CANCELLED",
];

/// Proofing outcomes (frozen with this migration).
const PROOF_STATUSES: &[&str] = &["PENDING", "APPROVED", "CHANGES_REQUESTED"];

/// Creates the work item tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let set_null = ForeignKeyAction::SetNull;
        create_table(
            manager,
            Table::create()
                .table("work_items")
                .col(id())
                .col(text("title"))
                .col(text("description"))
                .col(one_of("work_items", "item_type", ITEM_TYPES))
                .col(one_of("work_items", "status", STATUSES))
                .col(one_of("work_items", "priority", PRIORITIES))
                .col(uuid_null("owner_id"))
                .col(uuid_null("created_by_id"))
                .col(timestamp_null("start_at"))
                .col(timestamp_null("due_at"))
                .col(timestamp_null("completed_at"))
                .col(one_of_null(
                    "work_items",
                    "deliverable_type",
                    DELIVERABLE_TYPES,
                ))
                // `<cadence slug>:<local date>`; unique so that a cadence occurrence is created
                // exactly once.
                .col(text_null("cadence_key"))
                .col(uuid_null("template_id"))
                .col(text_null("client"))
                .col(text_null("ghl_contact_id"))
                .col(text_null("ghl_opportunity_id"))
                .col(uuid_null("waiting_on_user_id"))
                .col(text_null("waiting_reason"))
                .col(timestamp_null("waiting_since"))
                .col(boolean("needs_proofing"))
                .col(one_of_null("work_items", "proof_status", PROOF_STATUSES))
                .col(uuid_null("proofer_id"))
                .col(timestamp_null("proofed_at"))
                .col(uuid_null("proofed_by_id"))
                .col(text_null("tbp_graphics_location"))
                .col(text_null("qc_notes"))
                // The card's place in its board column, compared byte by byte on both backends.
                .col(sort_key("rank", manager.get_database_backend()))
                // Incremented on every change, for optimistic concurrency (`If-Match`).
                .col(integer("version"))
                .col(timestamp("created_at"))
                .col(timestamp("updated_at"))
                .foreign_key(&mut fk("work_items", "owner_id", "users", set_null))
                .foreign_key(&mut fk("work_items", "created_by_id", "users", set_null))
                .foreign_key(&mut fk("work_items", "template_id", "templates", set_null))
                .foreign_key(&mut fk(
                    "work_items",
                    "waiting_on_user_id",
                    "users",
                    set_null,
                ))
                .foreign_key(&mut fk("work_items", "proofer_id", "users", set_null))
                .foreign_key(&mut fk("work_items", "proofed_by_id", "users", set_null))
                .take(),
            vec![
                unique_index("work_items", &["cadence_key"]),
                index("work_items", &["status"]),
                index("work_items", &["owner_id"]),
                index("work_items", &["item_type"]),
                index("work_items", &["due_at"]),
                index("work_items", &["start_at"]),
                index("work_items", &["waiting_on_user_id"]),
                index("work_items", &["status", "rank"]),
                index("work_items", &["ghl_contact_id"]),
                index("work_items", &["updated_at"]),
            ],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table("work_item_tags")
                .col(uuid("work_item_id"))
                .col(text("tag"))
                .primary_key(Index::create().col("work_item_id").col("tag"))
                .foreign_key(&mut fk(
                    "work_item_tags",
                    "work_item_id",
                    "work_items",
                    ForeignKeyAction::Cascade,
                ))
                .take(),
            // Leads with `tag` for "items with this tag"; the primary key serves "tags of this
            // item".
            vec![index_named(
                "idx_work_item_tags_tag",
                "work_item_tags",
                &["tag", "work_item_id"],
            )],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table("qc_checklist_items")
                .col(id())
                .col(uuid("work_item_id"))
                .col(text("label"))
                .col(boolean("checked"))
                .col(integer("position"))
                .foreign_key(&mut fk(
                    "qc_checklist_items",
                    "work_item_id",
                    "work_items",
                    ForeignKeyAction::Cascade,
                ))
                .take(),
            vec![index("qc_checklist_items", &["work_item_id"])],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            &["qc_checklist_items", "work_item_tags", "work_items"],
        )
        .await
    }

    /// One transaction per migration on every backend, so a failure leaves no half-created schema
    /// behind.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
