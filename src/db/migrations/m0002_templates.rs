//! Migration `m0002_templates`: the blueprints items are made from — `templates` and
//! `template_subtasks`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::helpers::{create_table, drop_tables, fk, id, index, one_of, one_of_null, timestamp};

/// Work item types. The allowed-value lists are frozen with the migration that uses them, not read
/// from `domain`: a migration is a snapshot. A later migration that changes a list declares its
/// own.
pub(super) const ITEM_TYPES: &[&str] = &["TASK", "DELIVERABLE", "EVENT", "REQUEST"];

/// Deliverable types (the editorial spine).
pub(super) const DELIVERABLE_TYPES: &[&str] = &[
    "ARTICLE",
    "NEWSLETTER",
    "SOCIAL_POST",
    "VIDEO",
    "PODCAST",
    "GRAPHIC",
    "PRINT",
    "WEB_PAGE",
    "EMAIL_CAMPAIGN",
    "OTHER",
];

/// Priorities.
pub(super) const PRIORITIES: &[&str] = &["LOW", "NORMAL", "HIGH", "URGENT"];

/// Creates the template tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_table(
            manager,
            Table::create()
                .table("templates")
                .col(id())
                .col(text("name"))
                .col(one_of("templates", "item_type", ITEM_TYPES))
                .col(one_of_null(
                    "templates",
                    "deliverable_type",
                    DELIVERABLE_TYPES,
                ))
                .col(one_of("templates", "priority", PRIORITIES))
                // JSON array of tag strings.
                .col(json_binary("tags"))
                .col(boolean("needs_proofing"))
                // JSON array of `{label, checked}`, copied into `qc_checklist_items` when an item
                // is made.
                .col(json_binary("qc_checklist"))
                .col(uuid_null("default_owner_id"))
                .col(integer("duration_days"))
                // Empty when there is none, never NULL.
                .col(text("description"))
                .col(timestamp("created_at"))
                .col(timestamp("updated_at"))
                .foreign_key(&mut fk(
                    "templates",
                    "default_owner_id",
                    "users",
                    ForeignKeyAction::SetNull,
                ))
                .take(),
            vec![],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table("template_subtasks")
                .col(id())
                .col(uuid("template_id"))
                .col(text("title"))
                // Days relative to the item's due date; negative means before it.
                .col(integer("due_offset_days"))
                .col(integer("position"))
                .foreign_key(&mut fk(
                    "template_subtasks",
                    "template_id",
                    "templates",
                    ForeignKeyAction::Cascade,
                ))
                .take(),
            vec![index("template_subtasks", &["template_id"])],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["template_subtasks", "templates"]).await
    }

    /// One transaction per migration on every backend, so a failure leaves no half-created schema
    /// behind.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
