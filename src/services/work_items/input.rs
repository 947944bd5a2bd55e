//! The request shapes for creating and changing work items, and the parsing helpers that
//! turn their raw strings into checked values with a problem per field.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    db::time,
    domain::{
        FieldErrors, ValidationError,
        patch::{Patch, double_option},
        whole,
        work_item::{DeliverableType, ItemType, Priority, Status, tags_schema},
        work_item_rules::ChecklistItem,
    },
};

/// `POST /api/work-items`. `title` is required unless a `templateId` gives one; a template
/// fills in what the body leaves out.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewWorkItem {
    /// 1–200 characters, not blank; required unless `templateId` is given.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub title: Option<String>,
    /// Markdown.
    #[schema(max_length = 50000)]
    pub description: Option<String>,
    /// `TASK` unless the template says otherwise.
    #[serde(rename = "type")]
    #[schema(value_type = Option<ItemType>)]
    pub item_type: Option<String>,
    /// `BACKLOG` by default.
    #[schema(value_type = Option<Status>)]
    pub status: Option<String>,
    #[schema(value_type = Option<Priority>)]
    pub priority: Option<String>,
    /// An active person.
    #[schema(format = Uuid)]
    pub owner_id: Option<String>,
    #[schema(format = DateTime)]
    pub start_at: Option<String>,
    #[schema(format = DateTime)]
    pub due_at: Option<String>,
    /// Up to 20 tags of 1–40 lowercase letters, digits and `-`.
    #[schema(schema_with = tags_schema)]
    pub tags: Option<Vec<String>>,
    #[schema(value_type = Option<DeliverableType>)]
    pub deliverable_type: Option<String>,
    #[schema(max_length = 200)]
    pub client: Option<String>,
    #[schema(max_length = 100)]
    pub ghl_contact_id: Option<String>,
    #[schema(max_length = 100)]
    pub ghl_opportunity_id: Option<String>,
    /// Set together with `waitingReason`: an active person the item waits on.
    #[schema(format = Uuid)]
    pub waiting_on_user_id: Option<String>,
    #[schema(max_length = 500)]
    pub waiting_reason: Option<String>,
    pub needs_proofing: Option<bool>,
    /// An active person.
    #[schema(format = Uuid)]
    pub proofer_id: Option<String>,
    #[schema(max_length = 500)]
    pub tbp_graphics_location: Option<String>,
    #[schema(max_items = 50)]
    pub qc_checklist: Option<Vec<ChecklistItem>>,
    #[schema(max_length = 50000)]
    pub qc_notes: Option<String>,
    #[schema(format = Uuid)]
    pub template_id: Option<String>,
    #[schema(max_length = 200)]
    pub cadence_key: Option<String>,
}

/// `PATCH /api/work-items/{id}`: only the fields present change; `null` clears a field.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkItemChanges {
    /// The version the change was made against (or send `If-Match`); stale means 409.
    #[serde(default, deserialize_with = "whole::option")]
    #[schema(minimum = -2147483648, maximum = 2147483647)]
    pub version: Option<i32>,
    /// 1–200 characters, not blank.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub title: Option<String>,
    /// Markdown.
    #[schema(max_length = 50000)]
    pub description: Option<String>,
    #[serde(rename = "type")]
    #[schema(value_type = Option<ItemType>)]
    pub item_type: Option<String>,
    #[schema(value_type = Option<Status>)]
    pub status: Option<String>,
    #[schema(value_type = Option<Priority>)]
    pub priority: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub owner_id: Patch<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub start_at: Patch<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Patch<String>,
    /// Up to 20 tags of 1–40 lowercase letters, digits and `-`; replaces them all.
    #[schema(schema_with = tags_schema)]
    pub tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<DeliverableType>)]
    pub deliverable_type: Patch<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub client: Patch<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub ghl_contact_id: Patch<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub ghl_opportunity_id: Patch<String>,
    /// Set with `waitingReason` to start waiting on someone; `null` stops waiting.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub waiting_on_user_id: Patch<String>,
    #[schema(max_length = 500)]
    pub waiting_reason: Option<String>,
    pub needs_proofing: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub proofer_id: Patch<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub tbp_graphics_location: Patch<String>,
    #[schema(max_items = 50)]
    pub qc_checklist: Option<Vec<ChecklistItem>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 50000)]
    pub qc_notes: Patch<String>,
    /// An explicit board position (see `placeAfterId` for the easy way).
    #[schema(pattern = "^[0-9a-z]{0,63}[1-9a-z]$")]
    pub rank: Option<String>,
    /// Put the card right after this one in its column (`null`: at the top).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub place_after_id: Patch<String>,
}

/// Parses a UUID field, recording a problem under `field`.
pub fn uuid_field(errors: &mut FieldErrors, field: &str, raw: &str) -> Option<Uuid> {
    errors.check(
        field,
        Uuid::parse_str(raw.trim())
            .map_err(|_| ValidationError::new(format!("{field} must be an id"))),
    )
}

/// Parses an RFC 3339 time (any offset), stored in UTC to the microsecond.
pub fn time_field(errors: &mut FieldErrors, field: &str, raw: &str) -> Option<DateTime<Utc>> {
    errors.check(
        field,
        DateTime::parse_from_rfc3339(raw.trim())
            .map(|t| time::truncate(t.with_timezone(&Utc)))
            .map_err(|_| {
                ValidationError::new(format!(
                    "{field} must be an RFC 3339 time such as 2026-03-01T17:00:00Z"
                ))
            }),
    )
}

/// Parses a string enum field.
pub fn enum_field<T: std::str::FromStr<Err = ValidationError>>(
    errors: &mut FieldErrors,
    field: &str,
    raw: &str,
) -> Option<T> {
    errors.check(field, raw.parse::<T>())
}
