//! Entity of the `work_item_tags` table: one tag of one item (primary key `(work_item_id, tag)`).

use sea_orm::entity::prelude::*;

/// A tag on an item: lowercase letters, digits and `-` (validated by the domain layer).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "work_item_tags")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub work_item_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub tag: String,
}

/// A tag belongs to its item (deleted with it).
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
