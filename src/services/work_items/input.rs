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
        work_item_rules::ChecklistItem,
    },
};

/// `POST /api/work-items`. Everything but `title` is optional; a `templateId` fills in
/// what the body leaves out.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewWorkItem {
    pub title: Option<String>,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub item_type: Option<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub owner_id: Option<String>,
    pub start_at: Option<String>,
    pub due_at: Option<String>,
    pub tags: Option<Vec<String>>,
    pub deliverable_type: Option<String>,
    pub client: Option<String>,
    pub ghl_contact_id: Option<String>,
    pub ghl_opportunity_id: Option<String>,
    pub waiting_on_user_id: Option<String>,
    pub waiting_reason: Option<String>,
    pub needs_proofing: Option<bool>,
    pub proofer_id: Option<String>,
    pub tbp_graphics_location: Option<String>,
    pub qc_checklist: Option<Vec<ChecklistItem>>,
    pub qc_notes: Option<String>,
    pub template_id: Option<String>,
    pub cadence_key: Option<String>,
}

/// `PATCH /api/work-items/{id}`: only the fields present change; `null` clears a field.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkItemChanges {
    /// The version the change was made against (or send `If-Match`); stale means 409.
    pub version: Option<i32>,
    pub title: Option<String>,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub item_type: Option<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub owner_id: Patch<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub start_at: Patch<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub due_at: Patch<String>,
    pub tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub deliverable_type: Patch<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub client: Patch<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub ghl_contact_id: Patch<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub ghl_opportunity_id: Patch<String>,
    /// Set with `waitingReason` to start waiting on someone; `null` stops waiting.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub waiting_on_user_id: Patch<String>,
    pub waiting_reason: Option<String>,
    pub needs_proofing: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub proofer_id: Patch<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub tbp_graphics_location: Patch<String>,
    pub qc_checklist: Option<Vec<ChecklistItem>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub qc_notes: Patch<String>,
    /// An explicit board position (see `placeAfterId` for the easy way).
    pub rank: Option<String>,
    /// Put the card right after this one in its column (`null`: at the top).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
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
