//! Migration `m0006_integrations`: the events pipeline — `integration_rules` (event type to action)
//! and `integration_events` (the inbound and outbound queues).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::helpers::{
    create_table, drop_tables, fk, id, index, one_of, timestamp, timestamp_null, unique_index,
};

/// What a rule does with a matching event (frozen with this migration).
const RULE_ACTIONS: &[&str] = &[
    "CREATE_FROM_TEMPLATE",
    "UPSERT_EVENT_ITEM",
    "ATTACH_MESSAGE",
    "TRIAGE",
];

/// Which queue an event is in.
const DIRECTIONS: &[&str] = &["INBOUND", "OUTBOUND"];

/// Event states, of both queues.
const EVENT_STATES: &[&str] = &[
    "RECEIVED",
    "PROCESSING",
    "PROCESSED",
    "TRIAGE",
    "DISMISSED",
    "QUEUED",
    "DELIVERED",
    "FAILED",
];

/// Creates the integration tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_table(
            manager,
            Table::create()
                .table("integration_rules")
                .col(id())
                .col(text("name"))
                .col(text("event_type"))
                .col(one_of("integration_rules", "action", RULE_ACTIONS))
                .col(uuid_null("template_id"))
                .col(json_binary("config"))
                .col(boolean("active"))
                .col(integer("position"))
                .col(timestamp("created_at"))
                .col(timestamp("updated_at"))
                .foreign_key(&mut fk(
                    "integration_rules",
                    "template_id",
                    "templates",
                    ForeignKeyAction::SetNull,
                ))
                .take(),
            vec![],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table("integration_events")
                .col(id())
                .col(one_of("integration_events", "direction", DIRECTIONS))
                .col(text("source"))
                .col(text("event_type"))
                .col(text_null("external_id"))
                // Inbound only (NULL for outbound): a redelivered webhook finds its first copy
                // here.
                .col(text_null("dedupe_key"))
                .col(json_binary("payload"))
                .col(one_of("integration_events", "state", EVENT_STATES))
                .col(integer("attempts"))
                .col(text_null("last_error"))
                .col(text_null("response"))
                .col(uuid_null("work_item_id"))
                .col(timestamp("created_at"))
                .col(timestamp("updated_at"))
                .col(timestamp_null("processed_at"))
                .foreign_key(&mut fk(
                    "integration_events",
                    "work_item_id",
                    "work_items",
                    ForeignKeyAction::SetNull,
                ))
                .take(),
            vec![
                unique_index("integration_events", &["dedupe_key"]),
                index("integration_events", &["direction", "state", "created_at"]),
                index("integration_events", &["event_type"]),
                // Deleting an item sets this to NULL; without this index that scans the table.
                index("integration_events", &["work_item_id"]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["integration_events", "integration_rules"]).await
    }

    /// One transaction per migration on every backend, so a failure leaves no half-created schema
    /// behind.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
