//! Entity of the `cadences` table: a recurring series that creates items from a template.

use sea_orm::entity::prelude::*;

/// A cadence. `rrule` is an RFC 5545 rule, `due_time` a local `HH:MM`, and items are created
/// `lead_days` ahead with `cadence_key = "<slug>:<local date>"`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cadences")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    #[sea_orm(column_type = "Text", unique)]
    pub slug: String,
    pub template_id: Uuid,
    pub owner_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub rrule: String,
    #[sea_orm(column_type = "Text")]
    pub due_time: String,
    pub lead_days: i32,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// A cadence uses a template (which cannot be deleted while in use) and may name an owner.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::template::Entity",
        from = "Column::TemplateId",
        to = "super::template::Column::Id",
        on_delete = "Restrict"
    )]
    Template,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::OwnerId",
        to = "super::user::Column::Id",
        on_delete = "SetNull"
    )]
    Owner,
}

impl Related<super::template::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Template.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Owner.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
