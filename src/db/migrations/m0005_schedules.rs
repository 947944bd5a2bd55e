//! Migration `m0005_schedules`: recurring series and calendar subscriptions — `cadences` and
//! `calendar_feeds`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::helpers::{
    create_table, drop_tables, fk, id, index, one_of, timestamp, timestamp_null, unique_index,
};

/// Which items a calendar feed shows (frozen with this migration).
const FEED_SCOPES: &[&str] = &["MINE", "ALL"];

/// Creates the cadence and calendar feed tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_table(
            manager,
            Table::create()
                .table("cadences")
                .col(id())
                .col(text("name"))
                // Part of every generated item's `cadence_key`.
                .col(text("slug"))
                .col(uuid("template_id"))
                .col(uuid_null("owner_id"))
                // An RFC 5545 recurrence rule, e.g. `FREQ=WEEKLY;BYDAY=TU`.
                .col(text("rrule"))
                // Local time of day, `HH:MM`, in the organisation's time zone.
                .col(text("due_time"))
                .col(integer("lead_days"))
                .col(boolean("active"))
                .col(timestamp("created_at"))
                .col(timestamp("updated_at"))
                // A template in use by a cadence cannot be deleted.
                .foreign_key(&mut fk(
                    "cadences",
                    "template_id",
                    "templates",
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk(
                    "cadences",
                    "owner_id",
                    "users",
                    ForeignKeyAction::SetNull,
                ))
                .take(),
            vec![unique_index("cadences", &["slug"])],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table("calendar_feeds")
                .col(id())
                .col(uuid("user_id"))
                .col(text("name"))
                .col(one_of("calendar_feeds", "scope", FEED_SCOPES))
                .col(text("token_hash"))
                .col(timestamp("created_at"))
                .col(timestamp_null("revoked_at"))
                .foreign_key(&mut fk(
                    "calendar_feeds",
                    "user_id",
                    "users",
                    ForeignKeyAction::Cascade,
                ))
                .take(),
            vec![
                unique_index("calendar_feeds", &["token_hash"]),
                // "My feeds" filters on it, and deleting a user cascades here.
                index("calendar_feeds", &["user_id"]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["calendar_feeds", "cadences"]).await
    }

    /// One transaction per migration on every backend, so a failure leaves no half-created schema
    /// behind.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
