//! The rules of work items that need no database: field limits, status moves, the QC gate,
//! dates and mentions (docs/PRODUCT.md §3 and §5).

use chrono::{DateTime, Utc};

use super::{
    ValidationError,
    work_item::{ItemType, MAX_TAGS, ProofStatus, Status, Tag},
};

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 50_000;
pub const MAX_CLIENT_CHARS: usize = 200;
pub const MAX_GRAPHICS_LOCATION_CHARS: usize = 500;
pub const MAX_REASON_CHARS: usize = 500;
pub const MAX_CHECKLIST_ITEMS: usize = 50;
pub const MAX_CHECKLIST_LABEL_CHARS: usize = 200;
pub const MAX_COMMENT_CHARS: usize = 20_000;
/// HighLevel's contact and opportunity ids are short; this bounds what a client may store.
pub const MAX_GHL_ID_CHARS: usize = 100;

/// A title: at most 200 characters as sent, not blank; stored trimmed.
pub fn parse_title(raw: &str) -> Result<String, ValidationError> {
    let title = raw.trim();
    if title.is_empty() || raw.chars().count() > MAX_TITLE_CHARS {
        return Err(ValidationError::new(format!(
            "title must be 1 to {MAX_TITLE_CHARS} characters"
        )));
    }
    Ok(title.to_string())
}

/// Free text with an upper bound, e.g. a description (Markdown, up to 50,000 characters).
pub fn parse_bounded(raw: &str, field: &str, max: usize) -> Result<String, ValidationError> {
    if raw.chars().count() > max {
        return Err(ValidationError::new(format!(
            "{field} must be at most {max} characters"
        )));
    }
    Ok(raw.to_string())
}

/// Optional short text: at most `max` characters as sent; stored trimmed; blank means none.
pub fn parse_optional_text(
    raw: Option<&str>,
    field: &str,
    max: usize,
) -> Result<Option<String>, ValidationError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    parse_bounded(raw, field, max)?;
    Ok(Some(raw.trim().to_string()).filter(|text| !text.is_empty()))
}

/// Up to 20 valid tags as sent; duplicates are folded, order kept.
pub fn parse_tags(raw: &[String]) -> Result<Vec<String>, ValidationError> {
    if raw.len() > MAX_TAGS {
        return Err(ValidationError::new(format!("at most {MAX_TAGS} tags")));
    }
    let mut tags: Vec<String> = Vec::new();
    for candidate in raw {
        let tag = Tag::parse(candidate)?;
        if !tags.iter().any(|t| t == tag.as_str()) {
            tags.push(tag.as_str().to_string());
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(ValidationError::new(format!("at most {MAX_TAGS} tags")));
    }
    Ok(tags)
}

/// A QC checklist entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItem {
    /// 1–200 characters, not blank.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub label: String,
    #[serde(default)]
    pub checked: bool,
}

/// Up to 50 entries with labels of 1–200 characters.
pub fn parse_checklist(raw: &[ChecklistItem]) -> Result<Vec<ChecklistItem>, ValidationError> {
    if raw.len() > MAX_CHECKLIST_ITEMS {
        return Err(ValidationError::new(format!(
            "at most {MAX_CHECKLIST_ITEMS} checklist items"
        )));
    }
    raw.iter()
        .map(|item| {
            let label = item.label.trim();
            if label.is_empty() || item.label.chars().count() > MAX_CHECKLIST_LABEL_CHARS {
                return Err(ValidationError::new(format!(
                    "each checklist label must be 1 to {MAX_CHECKLIST_LABEL_CHARS} characters"
                )));
            }
            Ok(ChecklistItem {
                label: label.to_string(),
                checked: item.checked,
            })
        })
        .collect()
}

/// Open statuses move freely among themselves; a closed item (`DONE`, `CANCELLED`) can only
/// be reopened to `IN_PROGRESS`.
pub fn check_status_move(from: Status, to: Status) -> Result<(), String> {
    if from == to || from.is_open() || to == Status::InProgress {
        return Ok(());
    }
    Err(format!(
        "a {} item can only be reopened to {}, not moved to {}",
        from.label().to_lowercase(),
        Status::InProgress.label(),
        to.label()
    ))
}

/// `DONE` waits for proofing: refused while proofing is needed and not approved. The refusal
/// is the proofing state, so the caller can name the proofer in its sentence.
pub fn check_qc_gate(
    to: Status,
    needs_proofing: bool,
    proof_status: Option<ProofStatus>,
) -> Result<(), Option<ProofStatus>> {
    if to == Status::Done && needs_proofing && proof_status != Some(ProofStatus::Approved) {
        return Err(proof_status);
    }
    Ok(())
}

/// The sentence for a refused `DONE`: "Sam Okafor must approve the proof before this can be
/// Done" (`proofer` is the named proofer's name, if any).
pub fn qc_gate_refusal(proof_status: Option<ProofStatus>, proofer: Option<&str>) -> String {
    let done = Status::Done.label();
    let who = proofer.unwrap_or("a proofer");
    let sentence = format!("{who} must approve the proof before this can be {done}.");
    match proof_status {
        Some(ProofStatus::ChangesRequested) => {
            format!("Changes were requested in proofing; once they are made, {sentence}")
        }
        _ => {
            let mut chars = sentence.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
                .unwrap_or_default()
        }
    }
}

/// Dates: `dueAt` not before `startAt`; an `EVENT` needs `startAt`.
pub fn check_dates(
    item_type: ItemType,
    start_at: Option<DateTime<Utc>>,
    due_at: Option<DateTime<Utc>>,
) -> Vec<(&'static str, String)> {
    let mut problems = Vec::new();
    if let (Some(start), Some(due)) = (start_at, due_at)
        && due < start
    {
        problems.push(("dueAt", "dueAt must not be before startAt".to_string()));
    }
    if item_type == ItemType::Event && start_at.is_none() {
        problems.push(("startAt", "an EVENT needs startAt".to_string()));
    }
    problems
}

/// The `@handles` in a text, lowercased and without duplicates (`@priya`, `@diego.alvarez`).
pub fn mentions(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    for (index, c) in chars.iter().enumerate() {
        let starts_word =
            index == 0 || !(chars[index - 1].is_alphanumeric() || chars[index - 1] == '@');
        if *c != '@' || !starts_word {
            continue;
        }
        let handle: String = chars[index + 1..]
            .iter()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
            .collect();
        let handle = handle.trim_end_matches(['.', '-', '_']).to_lowercase();
        if !handle.is_empty() && !found.contains(&handle) {
            found.push(handle);
        }
    }
    found
}

/// The handles a person answers to: their first name, their name without spaces, and the
/// local part of their email, all lowercased.
pub fn handles_of(name: &str, email: &str) -> Vec<String> {
    let mut handles = Vec::new();
    if let Some(first) = name.split_whitespace().next() {
        handles.push(first.to_lowercase());
    }
    handles.push(name.split_whitespace().collect::<String>().to_lowercase());
    if let Some(local) = email.split('@').next() {
        handles.push(local.to_lowercase());
    }
    handles.dedup();
    handles
}

#[cfg(test)]
#[path = "work_item_rules_tests.rs"]
mod tests;
