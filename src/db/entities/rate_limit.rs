//! Entity of the `rate_limits` table: one counter of a limit shared by every instance.

use sea_orm::entity::prelude::*;

/// The state of one key (see `auth::rate_limit::Window`); swept once `expires_at` has passed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rate_limits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub key: String,
    pub hits: i32,
    pub window_ends_at: DateTimeUtc,
    pub strikes: i32,
    pub refused: bool,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
