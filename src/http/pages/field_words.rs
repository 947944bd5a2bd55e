//! Field problems in people's words. Services name the API's fields (`dueAt`,
//! `waitingOnUserId`) and its codes; a page shows the label next to the control instead, and
//! says how to type a time rather than naming a standard.

use crate::domain::FieldErrors;

/// The label people see next to a control, for a field a service names.
pub fn label(field: &str) -> &str {
    match field {
        "title" => "Title",
        "description" => "Description",
        "type" => "Type",
        "status" => "Status",
        "priority" => "Priority",
        "ownerId" | "owner" => "Owner",
        "startAt" => "Starts",
        "dueAt" => "Due",
        "dueFrom" => "Due from",
        "dueTo" => "Due to",
        "tags" | "tag" => "Tags",
        "deliverableType" => "Deliverable",
        "client" => "Client",
        "waitingOnUserId" => "Waiting on",
        "waitingReason" => "Waiting for",
        "needsProofing" => "Needs proofing",
        "prooferId" => "Proofer",
        "tbpGraphicsLocation" => "Graphics location",
        "qcNotes" => "QC notes",
        "qcChecklist" => "Checklist",
        "note" => "Note",
        "proofStatus" => "Decision",
        "templateId" => "Template",
        "assigneeId" => "Assignee",
        "timeZone" => "Time zone",
        "name" => "Name",
        "from" => "From",
        "to" => "To",
        "email" => "Email",
        "role" => "Role",
        other => other,
    }
}

/// One problem of `field` as a person reads it: without the field's API name in front, with
/// other fields named by their labels, and times explained by example.
pub fn problem(field: &str, text: &str) -> String {
    if text.contains("RFC 3339") {
        return "write a date and a 24-hour time, such as 2026-12-08 17:30".to_string();
    }
    if let Some((_, codes)) = text.split_once(" must be one of ")
        && codes
            .chars()
            .all(|c| c.is_ascii_uppercase() || ", _".contains(c))
    {
        return "choose one of the options offered".to_string();
    }
    let text = text.strip_prefix(&format!("{field} ")).unwrap_or(text);
    text.split(' ')
        .map(|word| {
            let bare = word.trim_end_matches([',', '.', ':', ';']);
            let named = label(bare);
            if named != bare && bare.chars().any(|c| c.is_ascii_uppercase()) {
                word.replacen(bare, &format!("“{named}”"), 1)
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every problem, labelled: "Due: write a date and a 24-hour time, …. Title: is required".
pub fn problems(fields: &FieldErrors) -> String {
    fields
        .0
        .iter()
        .map(|(field, list)| {
            let said: Vec<String> = list.iter().map(|p| problem(field, p)).collect();
            format!("{}: {}", label(field), said.join("; "))
        })
        .collect::<Vec<_>>()
        .join(". ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_name_labels_not_api_fields() {
        let mut fields = FieldErrors::default();
        fields.add(
            "dueAt",
            "dueAt must be an RFC 3339 time such as 2026-03-01T17:00:00Z",
        );
        fields.add("waitingReason", "set waitingOnUserId with waitingReason");
        fields.add("status", "status must be one of BACKLOG, IN_REVIEW, DONE");
        fields.add("title", "title is required");
        let text = problems(&fields);
        assert_eq!(
            text,
            "Due: write a date and a 24-hour time, such as 2026-12-08 17:30. \
             Status: choose one of the options offered. \
             Title: is required. \
             Waiting for: set “Waiting on” with “Waiting for”"
        );
    }
}
