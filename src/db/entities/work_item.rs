//! Entity of the `work_items` table: the unit of work, with its waiting, proofing and
//! board-position state.

use sea_orm::entity::prelude::*;

use crate::domain::work_item::{DeliverableType, ItemType, Priority, ProofStatus, Status};

/// A work item. `item_type`, `status`, `priority`, `deliverable_type` and `proof_status` are
/// stored as their enums' text (the migration limits them with CHECK constraints).
/// `rank` orders the cards of a board column (compared byte by byte on both backends); `version`
/// grows by one on every change.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "work_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The `12` of the item's key `OPS-12`: drawn from `db::item_numbers` when the item is
    /// created, unique, never changed or reused.
    #[sea_orm(unique)]
    pub number: i64,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    #[sea_orm(column_type = "Text")]
    pub item_type: ItemType,
    #[sea_orm(column_type = "Text")]
    pub status: Status,
    #[sea_orm(column_type = "Text")]
    pub priority: Priority,
    pub owner_id: Option<Uuid>,
    pub created_by_id: Option<Uuid>,
    pub start_at: Option<DateTimeUtc>,
    pub due_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub deliverable_type: Option<DeliverableType>,
    /// `<cadence slug>:<local date>` for items a cadence generated; unique.
    #[sea_orm(column_type = "Text", unique)]
    pub cadence_key: Option<String>,
    pub template_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub client: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub ghl_contact_id: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub ghl_opportunity_id: Option<String>,
    pub waiting_on_user_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub waiting_reason: Option<String>,
    pub waiting_since: Option<DateTimeUtc>,
    pub needs_proofing: bool,
    #[sea_orm(column_type = "Text")]
    pub proof_status: Option<ProofStatus>,
    pub proofer_id: Option<Uuid>,
    pub proofed_at: Option<DateTimeUtc>,
    pub proofed_by_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub tbp_graphics_location: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub qc_notes: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub rank: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// The people an item points at (all `ON DELETE SET NULL`), its template, and its parts (deleted
/// with it). `Related<user::Entity>` goes through `Owner`; join the other user relations by name,
/// e.g. `Relation::WaitingOnUser.def()`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::OwnerId",
        to = "super::user::Column::Id",
        on_delete = "SetNull"
    )]
    Owner,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::CreatedById",
        to = "super::user::Column::Id",
        on_delete = "SetNull"
    )]
    CreatedBy,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::WaitingOnUserId",
        to = "super::user::Column::Id",
        on_delete = "SetNull"
    )]
    WaitingOnUser,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::ProoferId",
        to = "super::user::Column::Id",
        on_delete = "SetNull"
    )]
    Proofer,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::ProofedById",
        to = "super::user::Column::Id",
        on_delete = "SetNull"
    )]
    ProofedBy,
    #[sea_orm(
        belongs_to = "super::template::Entity",
        from = "Column::TemplateId",
        to = "super::template::Column::Id",
        on_delete = "SetNull"
    )]
    Template,
    #[sea_orm(has_many = "super::work_item_tag::Entity")]
    Tags,
    #[sea_orm(has_many = "super::qc_checklist_item::Entity")]
    QcChecklistItems,
    #[sea_orm(has_many = "super::subtask::Entity")]
    Subtasks,
    #[sea_orm(has_many = "super::comment::Entity")]
    Comments,
    #[sea_orm(has_many = "super::message::Entity")]
    Messages,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Owner.def()
    }
}

impl Related<super::template::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Template.def()
    }
}

impl Related<super::work_item_tag::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tags.def()
    }
}

impl Related<super::qc_checklist_item::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::QcChecklistItems.def()
    }
}

impl Related<super::subtask::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Subtasks.def()
    }
}

impl Related<super::comment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Comments.def()
    }
}

impl Related<super::message::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Messages.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
