//! Entity of the `templates` table: the blueprint an item (or a cadence's items) is made from.

use sea_orm::entity::prelude::*;

use crate::domain::work_item::{DeliverableType, ItemType, Priority};

/// A template. `tags` is a JSON array of strings and `qc_checklist` a JSON array of `{label,
/// checked}`; `item_type`, `deliverable_type` and `priority` hold the domain enums' names.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "templates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub item_type: ItemType,
    #[sea_orm(column_type = "Text")]
    pub deliverable_type: Option<DeliverableType>,
    #[sea_orm(column_type = "Text")]
    pub priority: Priority,
    #[sea_orm(column_type = "JsonBinary")]
    pub tags: Json,
    pub needs_proofing: bool,
    #[sea_orm(column_type = "JsonBinary")]
    pub qc_checklist: Json,
    pub default_owner_id: Option<Uuid>,
    pub duration_days: i32,
    /// Empty when there is none, never NULL.
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// A template has subtasks, and may name a default owner.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::DefaultOwnerId",
        to = "super::user::Column::Id",
        on_delete = "SetNull"
    )]
    DefaultOwner,
    #[sea_orm(has_many = "super::template_subtask::Entity")]
    TemplateSubtasks,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DefaultOwner.def()
    }
}

impl Related<super::template_subtask::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::TemplateSubtasks.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
