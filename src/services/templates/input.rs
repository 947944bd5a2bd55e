//! The request shape of `POST /api/templates` and `PATCH /api/templates/{id}`, and its
//! parsing into checked values — every problem reported at once, before anything is written.

use sea_orm::ConnectionTrait;
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    domain::{
        FieldErrors,
        patch::{Patch, double_option},
        work_item::{DeliverableType, ItemType, Priority},
        work_item_rules::{self as rules, ChecklistItem},
    },
    services::ServiceError,
};

/// The longest template name.
pub const MAX_NAME_CHARS: usize = 200;
/// The longest duration, in days (a year).
pub const MAX_DURATION_DAYS: i64 = 365;
/// The furthest a subtask may be due from its item's due date, either way, in days.
pub const MAX_OFFSET_DAYS: i64 = 365;
/// The most subtasks a template may have.
pub const MAX_SUBTASKS: usize = 100;

/// A subtask of a template: its title and its due date relative to the item's (-365..=365).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TemplateSubtaskInput {
    /// 1–200 characters, not blank.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub title: String,
    /// Days after the item starts that the step is due (-365 to 365, default 0).
    #[serde(default, deserialize_with = "crate::domain::whole::required")]
    #[schema(minimum = -365, maximum = 365)]
    pub due_offset_days: i64,
}

/// The body of `POST /api/templates` (where `name` and `type` are required) and of
/// `PATCH /api/templates/{id}` (only the fields present change; `null` clears
/// `deliverableType` or `defaultOwnerId`; `subtasks` replaces them all).
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TemplateInput {
    /// 1–200 characters, not blank; required on create.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: Option<String>,
    /// Required on create.
    #[serde(rename = "type")]
    #[schema(value_type = Option<ItemType>)]
    pub item_type: Option<String>,
    /// A deliverable type; `null` or `""` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = "^(|ARTICLE|NEWSLETTER|SOCIAL_POST|VIDEO|PODCAST|GRAPHIC|PRINT|WEB_PAGE|EMAIL_CAMPAIGN|OTHER)$")]
    pub deliverable_type: Patch<String>,
    /// `NORMAL` by default.
    #[schema(value_type = Option<Priority>)]
    pub priority: Option<String>,
    #[schema(schema_with = crate::domain::work_item::tags_schema)]
    pub tags: Option<Vec<String>>,
    pub needs_proofing: Option<bool>,
    #[schema(max_items = 50)]
    pub qc_checklist: Option<Vec<ChecklistItem>>,
    /// An active person who owns items made from the template unless told otherwise; `null`
    /// or `""` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = "^$|^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    pub default_owner_id: Patch<String>,
    /// 0–365: an item made without a due date is due this many days after it starts.
    #[serde(default, deserialize_with = "crate::domain::whole::option")]
    #[schema(minimum = 0, maximum = 365)]
    pub duration_days: Option<i64>,
    /// Markdown, up to 50,000 characters.
    #[schema(max_length = 50000)]
    pub description: Option<String>,
    /// Replaces every subtask of the template.
    #[schema(max_items = 100)]
    pub subtasks: Option<Vec<TemplateSubtaskInput>>,
}

/// Checked values; `None` means "not given" (keep, or use the default on create).
#[derive(Debug, Default)]
pub(super) struct Parsed {
    pub name: Option<String>,
    pub item_type: Option<ItemType>,
    pub deliverable_type: Option<Option<DeliverableType>>,
    pub priority: Option<Priority>,
    pub tags: Option<Vec<String>>,
    pub needs_proofing: Option<bool>,
    pub qc_checklist: Option<Vec<ChecklistItem>>,
    pub default_owner_id: Option<Option<Uuid>>,
    pub duration_days: Option<i32>,
    pub description: Option<String>,
    pub subtasks: Option<Vec<(String, i32)>>,
}

fn parse_name(errors: &mut FieldErrors, raw: &str) -> Option<String> {
    let name = raw.trim();
    if name.is_empty() || raw.chars().count() > MAX_NAME_CHARS {
        errors.add(
            "name",
            format!("name must be 1 to {MAX_NAME_CHARS} characters"),
        );
        return None;
    }
    Some(name.to_string())
}

fn parse_subtasks(
    errors: &mut FieldErrors,
    raw: &[TemplateSubtaskInput],
) -> Option<Vec<(String, i32)>> {
    if raw.len() > MAX_SUBTASKS {
        errors.add("subtasks", format!("at most {MAX_SUBTASKS} subtasks"));
        return None;
    }
    let mut steps = Vec::with_capacity(raw.len());
    for (index, step) in raw.iter().enumerate() {
        let number = index + 1;
        let title = rules::parse_title(&step.title)
            .map_err(|problem| errors.add("subtasks", format!("subtask {number}: {problem}")))
            .ok();
        let offset = Some(step.due_offset_days)
            .filter(|days| (-MAX_OFFSET_DAYS..=MAX_OFFSET_DAYS).contains(days))
            .and_then(|days| i32::try_from(days).ok());
        if offset.is_none() {
            errors.add(
                "subtasks",
                format!("subtask {number}: dueOffsetDays must be from -{MAX_OFFSET_DAYS} to {MAX_OFFSET_DAYS}"),
            );
        }
        if let (Some(title), Some(offset)) = (title, offset) {
            steps.push((title, offset));
        }
    }
    (steps.len() == raw.len()).then_some(steps)
}

/// Parses `input`; `creating` makes `name` and `type` required. The default owner is looked
/// up (it must be an active person), so this needs the database.
pub(super) async fn parse(
    conn: &impl ConnectionTrait,
    input: TemplateInput,
    creating: bool,
) -> Result<Parsed, ServiceError> {
    let mut errors = FieldErrors::default();
    let mut parsed = Parsed::default();
    match input.name.as_deref() {
        Some(raw) => parsed.name = parse_name(&mut errors, raw),
        None if creating => errors.add("name", "name is required"),
        None => {}
    }
    match input.item_type.as_deref() {
        Some(raw) => parsed.item_type = errors.check("type", raw.parse()),
        None if creating => errors.add("type", "type is required"),
        None => {}
    }
    if let Some(raw) = input.deliverable_type {
        parsed.deliverable_type = match raw.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(value) => errors.check("deliverableType", value.parse()).map(Some),
        };
    }
    if let Some(raw) = input.priority.as_deref() {
        parsed.priority = errors.check("priority", raw.parse());
    }
    if let Some(raw) = &input.tags {
        parsed.tags = errors.check("tags", rules::parse_tags(raw));
    }
    parsed.needs_proofing = input.needs_proofing;
    if let Some(raw) = &input.qc_checklist {
        parsed.qc_checklist = errors.check("qcChecklist", rules::parse_checklist(raw));
    }
    if let Some(raw) = input.default_owner_id {
        parsed.default_owner_id = match raw.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(value) => match Uuid::parse_str(value) {
                Ok(id) if super::is_active_person(conn, id).await? => Some(Some(id)),
                Ok(_) => {
                    errors.add("defaultOwnerId", "no active person has this id");
                    None
                }
                Err(_) => {
                    errors.add("defaultOwnerId", "defaultOwnerId must be an id");
                    None
                }
            },
        };
    }
    if let Some(days) = input.duration_days {
        if (0..=MAX_DURATION_DAYS).contains(&days) {
            parsed.duration_days = i32::try_from(days).ok();
        } else {
            errors.add(
                "durationDays",
                format!("durationDays must be from 0 to {MAX_DURATION_DAYS}"),
            );
        }
    }
    if let Some(raw) = input.description {
        parsed.description = errors.check(
            "description",
            rules::parse_bounded(&raw, "description", rules::MAX_DESCRIPTION_CHARS),
        );
    }
    if let Some(raw) = &input.subtasks {
        parsed.subtasks = parse_subtasks(&mut errors, raw);
    }
    errors.into_result()?;
    Ok(parsed)
}
