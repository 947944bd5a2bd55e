//! Migration `m0001_people`: users and the ways they prove who they are — `users`, `sessions`,
//! `api_tokens`, `email_links`. Tokens are stored only as hashes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::helpers::{
    create_table, drop_tables, fk, id, index, one_of, timestamp, timestamp_null, unique_index,
};

/// Roles, as `domain` spells them. Frozen here rather than read from `domain`: a migration is a
/// snapshot and must not change when the domain code does.
const ROLES: &[&str] = &["ADMIN", "STAFF"];

/// Creates the people tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_table(
            manager,
            Table::create()
                .table("users")
                .col(id())
                // Stored lowercased by the application, so a plain unique index is case-insensitive
                // in effect.
                .col(text("email"))
                .col(text("name"))
                .col(one_of("users", "role", ROLES))
                .col(boolean("active"))
                .col(text_null("password_hash"))
                .col(text_null("ghl_user_id"))
                .col(timestamp("created_at"))
                .col(timestamp("updated_at"))
                .col(timestamp_null("last_sign_in_at"))
                .take(),
            vec![unique_index("users", &["email"])],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table("sessions")
                .col(id())
                .col(uuid("user_id"))
                .col(text("token_hash"))
                .col(text("csrf_token"))
                .col(timestamp("created_at"))
                .col(timestamp("last_seen_at"))
                .col(timestamp("expires_at"))
                .col(text_null("ip"))
                .col(text_null("user_agent"))
                .foreign_key(&mut fk(
                    "sessions",
                    "user_id",
                    "users",
                    ForeignKeyAction::Cascade,
                ))
                .take(),
            vec![
                unique_index("sessions", &["token_hash"]),
                index("sessions", &["user_id"]),
            ],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table("api_tokens")
                .col(id())
                .col(uuid("user_id"))
                .col(text("name"))
                .col(text("token_hash"))
                .col(timestamp("created_at"))
                .col(timestamp_null("last_used_at"))
                .col(timestamp_null("revoked_at"))
                .foreign_key(&mut fk(
                    "api_tokens",
                    "user_id",
                    "users",
                    ForeignKeyAction::Cascade,
                ))
                .take(),
            vec![
                unique_index("api_tokens", &["token_hash"]),
                index("api_tokens", &["user_id"]),
            ],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table("email_links")
                .col(id())
                .col(uuid("user_id"))
                .col(text("token_hash"))
                .col(timestamp("created_at"))
                .col(timestamp("expires_at"))
                .col(timestamp_null("used_at"))
                .foreign_key(&mut fk(
                    "email_links",
                    "user_id",
                    "users",
                    ForeignKeyAction::Cascade,
                ))
                .take(),
            vec![
                unique_index("email_links", &["token_hash"]),
                // Deleting a user cascades here, and revoking a user's links filters on it.
                index("email_links", &["user_id"]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["email_links", "api_tokens", "sessions", "users"]).await
    }

    /// One transaction per migration on every backend (SQLite's DDL is transactional too), so a
    /// failure leaves no half-created schema behind.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
