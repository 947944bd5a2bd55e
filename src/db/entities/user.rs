//! Entity of the `users` table: a person who signs in, with a role and an active flag.

use sea_orm::entity::prelude::*;

/// A user. `role` is `ADMIN` or `STAFF`; `email` is stored lowercased (unique).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(column_type = "Text", unique)]
    pub email: String,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub role: String,
    pub active: bool,
    #[sea_orm(column_type = "Text")]
    pub password_hash: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub ghl_user_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub last_sign_in_at: Option<DateTimeUtc>,
    /// An IANA zone name; `None` until the person chooses one (then `OPS_TIMEZONE` applies).
    #[sea_orm(column_type = "Text")]
    pub time_zone: Option<String>,
}

/// What belongs to a user. Items, comments and the like point at users too (`ON DELETE SET NULL`);
/// those relations are declared on their side.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::session::Entity")]
    Sessions,
    #[sea_orm(has_many = "super::api_token::Entity")]
    ApiTokens,
    #[sea_orm(has_many = "super::email_link::Entity")]
    EmailLinks,
    #[sea_orm(has_many = "super::calendar_feed::Entity")]
    CalendarFeeds,
    #[sea_orm(has_many = "super::notification::Entity")]
    Notifications,
}

impl Related<super::session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Sessions.def()
    }
}

impl Related<super::api_token::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ApiTokens.def()
    }
}

impl Related<super::email_link::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::EmailLinks.def()
    }
}

impl Related<super::calendar_feed::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CalendarFeeds.def()
    }
}

impl Related<super::notification::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Notifications.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
