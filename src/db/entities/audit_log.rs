//! Entity of the `audit_log` table: the append-only record of changes and security events.

use sea_orm::entity::prelude::*;

/// An audit entry. `work_item_id` has no foreign key on purpose (an item's history outlives the
/// item), and `summary` keeps e.g. the title of a deleted item. `before`/`after` hold the changed
/// values as JSON.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub actor_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub action: String,
    #[sea_orm(column_type = "Text")]
    pub entity_type: String,
    pub entity_id: Option<Uuid>,
    pub work_item_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub summary: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub before: Option<Json>,
    #[sea_orm(column_type = "JsonBinary")]
    pub after: Option<Json>,
    #[sea_orm(column_type = "Text")]
    pub ip: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub request_id: Option<String>,
    pub created_at: DateTimeUtc,
}

/// The person who acted, if any (set to NULL when the user is deleted).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::ActorId",
        to = "super::user::Column::Id",
        on_delete = "SetNull"
    )]
    Actor,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Actor.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
