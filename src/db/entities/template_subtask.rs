//! Entity of the `template_subtasks` table: a subtask a template adds to each item made from it.

use sea_orm::entity::prelude::*;

/// A template's subtask. `due_offset_days` is relative to the item's due date (negative: before
/// it).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "template_subtasks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub template_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    pub due_offset_days: i32,
    pub position: i32,
}

/// A template subtask belongs to its template (deleted with it).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::template::Entity",
        from = "Column::TemplateId",
        to = "super::template::Column::Id",
        on_delete = "Cascade"
    )]
    Template,
}

impl Related<super::template::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Template.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
