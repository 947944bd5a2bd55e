//! Entity of the `notification_preferences` table: how one person wants to be emailed.

use sea_orm::entity::prelude::*;

/// A person's email preferences. `email_mode` is `IMMEDIATE`, `DIGEST` or `NONE`; the digest goes
/// out at `digest_hour` local time; each `on_*` switch covers one notification kind. A person
/// without a row has the defaults of `services::email_notifications`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_preferences")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub email_mode: String,
    pub digest_hour: i32,
    pub on_waiting: bool,
    pub on_mention: bool,
    pub on_assigned: bool,
    pub on_changes_requested: bool,
    pub on_client_reply: bool,
    pub on_overdue: bool,
    pub updated_at: DateTimeUtc,
}

/// Preferences belong to their person (deleted with them).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
