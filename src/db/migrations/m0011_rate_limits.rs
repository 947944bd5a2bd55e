//! Migration `m0011_rate_limits`: the counters of the limits that every instance shares (sign-in,
//! sign-in links, link confirmation, and the "audit once per window" keys), so that several
//! instances on one PostgreSQL database enforce one limit instead of one each.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::helpers::{create_table, drop_tables, index, timestamp};

/// Creates `rate_limits`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_table(
            manager,
            Table::create()
                .table("rate_limits")
                // Built by the application from parsed, bounded values (hashed when long).
                .col(
                    text("key")
                        .primary_key()
                        .check(Check::named(
                            "ck_rate_limits_key",
                            Expr::cust("length(key) <= 200"),
                        ))
                        .take(),
                )
                .col(integer("hits"))
                .col(timestamp("window_ends_at"))
                .col(integer("strikes"))
                .col(boolean("refused"))
                // After this the row means nothing and is swept.
                .col(timestamp("expires_at"))
                .take(),
            vec![index("rate_limits", &["expires_at"])],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["rate_limits"]).await
    }

    /// One transaction per migration on every backend, so a failure leaves no half-created schema
    /// behind.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
