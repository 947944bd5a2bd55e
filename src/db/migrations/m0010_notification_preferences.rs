//! Migration `m0010_notification_preferences`: how each person wants to be emailed about their
//! notifications (immediately, in a daily digest at a local hour, or not at all; per kind), and
//! the index that lets the overdue check notify about an item only once per person.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::helpers::{create_table, drop_tables, fk, one_of, timestamp};

/// Email modes (frozen with this migration).
const EMAIL_MODES: &[&str] = &["IMMEDIATE", "DIGEST", "NONE"];

/// At most one OVERDUE notification per item and person, whoever runs the check and however
/// often: the database, not a read-then-write, decides. The same partial-index syntax works on
/// SQLite and PostgreSQL.
const OVERDUE_ONCE_UP: &str = "CREATE UNIQUE INDEX idx_notifications_overdue_once \
     ON notifications (work_item_id, user_id) WHERE kind = 'OVERDUE'";
const OVERDUE_ONCE_DOWN: &str = "DROP INDEX IF EXISTS idx_notifications_overdue_once";

/// Creates `notification_preferences` and the overdue index.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_table(
            manager,
            Table::create()
                .table("notification_preferences")
                // One row per person; someone without a row has the defaults.
                .col(uuid("user_id").primary_key().take())
                .col(one_of(
                    "notification_preferences",
                    "email_mode",
                    EMAIL_MODES,
                ))
                // Local hour (0-23, OPS_TIMEZONE) the daily digest goes out.
                .col(
                    integer("digest_hour")
                        .check(Check::named(
                            "ck_notification_preferences_digest_hour",
                            Expr::col("digest_hour").between(0, 23),
                        ))
                        .take(),
                )
                .col(boolean("on_waiting"))
                .col(boolean("on_mention"))
                .col(boolean("on_assigned"))
                .col(boolean("on_changes_requested"))
                .col(boolean("on_client_reply"))
                .col(boolean("on_overdue"))
                .col(timestamp("updated_at"))
                .foreign_key(&mut fk(
                    "notification_preferences",
                    "user_id",
                    "users",
                    ForeignKeyAction::Cascade,
                ))
                .take(),
            vec![],
        )
        .await?;
        manager
            .get_connection()
            .execute_unprepared(OVERDUE_ONCE_UP)
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(OVERDUE_ONCE_DOWN)
            .await?;
        drop_tables(manager, &["notification_preferences"]).await
    }

    /// One transaction per migration on every backend, so a failure leaves no half-created schema
    /// behind.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
