//! Migration `m0017_session_confirmation`: when each session last proved who it is, so sensitive
//! actions (a new API token or calendar feed, a password, an admin's change of someone's
//! authority) can ask again once that is more than a few minutes old; and the pending emailed
//! confirmation link of a person without a password, stored as its hash with its expiry.
//!
//! Sessions from before this migration have no time recorded and are asked to confirm.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::text_null;

use super::helpers::timestamp_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: [&str; 3] = [
    "authenticated_at",
    "confirm_token_hash",
    "confirm_expires_at",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one change at a time.
        for column in [
            timestamp_null("authenticated_at"),
            text_null("confirm_token_hash"),
            timestamp_null("confirm_expires_at"),
        ] {
            manager
                .alter_table(Table::alter().table("sessions").add_column(column).take())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in COLUMNS.into_iter().rev() {
            manager
                .alter_table(Table::alter().table("sessions").drop_column(column).take())
                .await?;
        }
        Ok(())
    }
}
