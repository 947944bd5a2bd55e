//! Migration `m0004_collaboration`: what people add to an item and what tells them about it —
//! `subtasks`, `comments`, `messages` (the client-facing conversation) and `notifications`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::helpers::{create_table, drop_tables, fk, id, index, one_of, timestamp, timestamp_null};

/// Message directions (frozen with this migration).
const DIRECTIONS: &[&str] = &["OUTBOUND", "INBOUND"];

/// Message channels.
const CHANNELS: &[&str] = &["EMAIL", "SMS", "NOTE"];

/// Message delivery states.
const MESSAGE_STATUSES: &[&str] = &["LOGGED", "QUEUED", "SENT", "FAILED", "RECEIVED"];

/// Why a notification was sent.
const NOTIFICATION_KINDS: &[&str] = &[
    "MENTION",
    "ASSIGNED",
    "WAITING",
    "CHANGES_REQUESTED",
    "CLIENT_REPLY",
    "OVERDUE",
];

/// Creates the tables of an item's parts and of notifications.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let cascade = ForeignKeyAction::Cascade;
        let set_null = ForeignKeyAction::SetNull;

        create_table(
            manager,
            Table::create()
                .table("subtasks")
                .col(id())
                .col(uuid("work_item_id"))
                .col(text("title"))
                .col(boolean("done"))
                .col(uuid_null("assignee_id"))
                .col(timestamp_null("due_at"))
                .col(integer("position"))
                .col(timestamp("created_at"))
                .col(timestamp("updated_at"))
                .foreign_key(&mut fk("subtasks", "work_item_id", "work_items", cascade))
                .foreign_key(&mut fk("subtasks", "assignee_id", "users", set_null))
                .take(),
            vec![
                index("subtasks", &["work_item_id"]),
                index("subtasks", &["assignee_id"]),
            ],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table("comments")
                .col(id())
                .col(uuid("work_item_id"))
                .col(uuid_null("author_id"))
                .col(text("body"))
                .col(timestamp("created_at"))
                .col(timestamp("updated_at"))
                .foreign_key(&mut fk("comments", "work_item_id", "work_items", cascade))
                .foreign_key(&mut fk("comments", "author_id", "users", set_null))
                .take(),
            vec![index("comments", &["work_item_id"])],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table("messages")
                .col(id())
                .col(uuid("work_item_id"))
                .col(one_of("messages", "direction", DIRECTIONS))
                .col(one_of("messages", "channel", CHANNELS))
                .col(text("body"))
                .col(one_of("messages", "status", MESSAGE_STATUSES))
                .col(uuid_null("author_id"))
                .col(text_null("ghl_message_id"))
                .col(timestamp("created_at"))
                .col(timestamp("updated_at"))
                .foreign_key(&mut fk("messages", "work_item_id", "work_items", cascade))
                .foreign_key(&mut fk("messages", "author_id", "users", set_null))
                .take(),
            vec![index("messages", &["work_item_id"])],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table("notifications")
                .col(id())
                .col(uuid("user_id"))
                .col(one_of("notifications", "kind", NOTIFICATION_KINDS))
                .col(uuid_null("work_item_id"))
                .col(uuid_null("actor_id"))
                .col(text("body"))
                .col(timestamp("created_at"))
                .col(timestamp_null("read_at"))
                .col(timestamp_null("emailed_at"))
                .foreign_key(&mut fk("notifications", "user_id", "users", cascade))
                .foreign_key(&mut fk(
                    "notifications",
                    "work_item_id",
                    "work_items",
                    cascade,
                ))
                .foreign_key(&mut fk("notifications", "actor_id", "users", set_null))
                .take(),
            vec![
                index("notifications", &["user_id", "read_at"]),
                // Deleting an item cascades here; without this index that scans the whole table.
                index("notifications", &["work_item_id"]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            &["notifications", "messages", "comments", "subtasks"],
        )
        .await
    }

    /// One transaction per migration on every backend, so a failure leaves no half-created schema
    /// behind.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
