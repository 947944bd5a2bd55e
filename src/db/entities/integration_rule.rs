//! Entity of the `integration_rules` table: maps an incoming event type to an action.

use sea_orm::entity::prelude::*;

/// A rule. `action` is one of `CREATE_FROM_TEMPLATE`, `UPSERT_EVENT_ITEM`, `ATTACH_MESSAGE`,
/// `TRIAGE`; `config` holds the action's settings as JSON. Rules are tried in `position` order.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "integration_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub event_type: String,
    #[sea_orm(column_type = "Text")]
    pub action: String,
    pub template_id: Option<Uuid>,
    #[sea_orm(column_type = "JsonBinary")]
    pub config: Json,
    pub active: bool,
    pub position: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// A rule may use a template.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::template::Entity",
        from = "Column::TemplateId",
        to = "super::template::Column::Id",
        on_delete = "SetNull"
    )]
    Template,
}

impl Related<super::template::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Template.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
