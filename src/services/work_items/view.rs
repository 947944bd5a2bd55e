//! How a work item looks to the outside: one row per item, with its tags and QC checklist
//! gathered by correlated subqueries, so a page of items is one query (no query per row).

use chrono::{DateTime, Utc};
use sea_orm::{DbBackend, EntityTrait, FromQueryResult, QuerySelect, Select, sea_query::Expr};
use serde::Serialize;
use uuid::Uuid;

use crate::{
    db::entities::work_item,
    domain::{
        item_key,
        work_item::{DeliverableType, ItemType, Priority, ProofStatus, Status},
        work_item_rules::ChecklistItem,
    },
};

/// A work item as the API returns it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkItemView {
    pub id: Uuid,
    /// The short name people use (`OPS-12`); stable, and accepted wherever a path takes the id.
    #[schema(example = "OPS-12", pattern = r"^OPS-[1-9][0-9]{0,14}$")]
    pub key: String,
    pub title: String,
    pub description: String,
    #[serde(rename = "type")]
    pub item_type: ItemType,
    pub status: Status,
    pub priority: Priority,
    pub owner_id: Option<Uuid>,
    pub created_by_id: Option<Uuid>,
    pub start_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub tags: Vec<String>,
    #[schema(value_type = Option<DeliverableType>)]
    pub deliverable_type: Option<DeliverableType>,
    pub cadence_key: Option<String>,
    pub template_id: Option<Uuid>,
    pub client: Option<String>,
    pub ghl_contact_id: Option<String>,
    pub ghl_opportunity_id: Option<String>,
    pub waiting_on_user_id: Option<Uuid>,
    pub waiting_reason: Option<String>,
    pub waiting_since: Option<DateTime<Utc>>,
    pub needs_proofing: bool,
    #[schema(value_type = Option<ProofStatus>)]
    pub proof_status: Option<ProofStatus>,
    pub proofer_id: Option<Uuid>,
    pub proofed_at: Option<DateTime<Utc>>,
    pub proofed_by_id: Option<Uuid>,
    pub tbp_graphics_location: Option<String>,
    pub qc_checklist: Vec<ChecklistItem>,
    pub qc_notes: Option<String>,
    pub rank: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A row of [`select_views`]: the item's columns plus its gathered tags and checklist.
#[derive(Debug, Clone, FromQueryResult)]
pub struct WorkItemRow {
    pub id: Uuid,
    pub number: i64,
    pub title: String,
    pub description: String,
    pub item_type: ItemType,
    pub status: Status,
    pub priority: Priority,
    pub owner_id: Option<Uuid>,
    pub created_by_id: Option<Uuid>,
    pub start_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub deliverable_type: Option<DeliverableType>,
    pub cadence_key: Option<String>,
    pub template_id: Option<Uuid>,
    pub client: Option<String>,
    pub ghl_contact_id: Option<String>,
    pub ghl_opportunity_id: Option<String>,
    pub waiting_on_user_id: Option<Uuid>,
    pub waiting_reason: Option<String>,
    pub waiting_since: Option<DateTime<Utc>>,
    pub needs_proofing: bool,
    pub proof_status: Option<ProofStatus>,
    pub proofer_id: Option<Uuid>,
    pub proofed_at: Option<DateTime<Utc>>,
    pub proofed_by_id: Option<Uuid>,
    pub tbp_graphics_location: Option<String>,
    pub qc_notes: Option<String>,
    pub rank: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub tags_csv: Option<String>,
    pub checklist_json: Option<String>,
}

/// `SELECT work_items.*, <tags>, <checklist> FROM work_items`, ready for filters.
pub fn select_views(backend: DbBackend) -> Select<work_item::Entity> {
    let (tags, checklist) = match backend {
        DbBackend::Postgres => (
            "(SELECT string_agg(t.tag, ',') FROM work_item_tags t WHERE t.work_item_id = work_items.id)",
            "(SELECT json_agg(json_build_object('label', q.label, 'checked', q.checked, 'position', q.position))::text \
             FROM qc_checklist_items q WHERE q.work_item_id = work_items.id)",
        ),
        _ => (
            "(SELECT group_concat(t.tag, ',') FROM work_item_tags t WHERE t.work_item_id = work_items.id)",
            "(SELECT json_group_array(json_object('label', q.label, 'checked', json(CASE WHEN q.checked THEN 'true' ELSE 'false' END), 'position', q.position)) \
             FROM qc_checklist_items q WHERE q.work_item_id = work_items.id)",
        ),
    };
    work_item::Entity::find()
        .column_as(Expr::cust(tags), "tags_csv")
        .column_as(Expr::cust(checklist), "checklist_json")
}

/// The key of the item numbered `number` (`OPS-12`).
pub fn key_of(number: i64) -> String {
    format!("{}-{number}", item_key::PREFIX)
}

#[derive(serde::Deserialize)]
struct PositionedItem {
    label: String,
    checked: bool,
    position: i32,
}

impl From<WorkItemRow> for WorkItemView {
    fn from(row: WorkItemRow) -> Self {
        let mut tags: Vec<String> = row
            .tags_csv
            .as_deref()
            .unwrap_or("")
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect();
        tags.sort();
        let mut positioned: Vec<PositionedItem> = row
            .checklist_json
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default();
        positioned.sort_by_key(|item| item.position);
        WorkItemView {
            id: row.id,
            key: key_of(row.number),
            title: row.title,
            description: row.description,
            item_type: row.item_type,
            status: row.status,
            priority: row.priority,
            owner_id: row.owner_id,
            created_by_id: row.created_by_id,
            start_at: row.start_at,
            due_at: row.due_at,
            completed_at: row.completed_at,
            tags,
            deliverable_type: row.deliverable_type,
            cadence_key: row.cadence_key,
            template_id: row.template_id,
            client: row.client,
            ghl_contact_id: row.ghl_contact_id,
            ghl_opportunity_id: row.ghl_opportunity_id,
            waiting_on_user_id: row.waiting_on_user_id,
            waiting_reason: row.waiting_reason,
            waiting_since: row.waiting_since,
            needs_proofing: row.needs_proofing,
            proof_status: row.proof_status,
            proofer_id: row.proofer_id,
            proofed_at: row.proofed_at,
            proofed_by_id: row.proofed_by_id,
            tbp_graphics_location: row.tbp_graphics_location,
            qc_checklist: positioned
                .into_iter()
                .map(|item| ChecklistItem {
                    label: item.label,
                    checked: item.checked,
                })
                .collect(),
            qc_notes: row.qc_notes,
            rank: row.rank,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}
