//! Migration `m0014_person_time_zone`: each person's time zone (an IANA name such as
//! `America/New_York`). Every date a person reads or types is in it (docs/PRODUCT.md, "Time
//! zones"); NULL means they have not chosen one yet, and `OPS_TIMEZONE` is used.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::text_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("users")
                    .add_column(text_null("time_zone"))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("users")
                    .drop_column("time_zone")
                    .take(),
            )
            .await
    }
}
