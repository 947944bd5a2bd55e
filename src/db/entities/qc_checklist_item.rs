//! Entity of the `qc_checklist_items` table: one line of an item's QC checklist.

use sea_orm::entity::prelude::*;

/// A checklist line, ordered by `position`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "qc_checklist_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub work_item_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub label: String,
    pub checked: bool,
    pub position: i32,
}

/// A checklist line belongs to its item (deleted with it).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::work_item::Entity",
        from = "Column::WorkItemId",
        to = "super::work_item::Column::Id",
        on_delete = "Cascade"
    )]
    WorkItem,
}

impl Related<super::work_item::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::WorkItem.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
