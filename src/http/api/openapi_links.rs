//! OpenAPI links: from each answer that creates something to the operations on what it
//! created, so that a client (or a fuzzer) can follow `data.id` without guessing.

use utoipa::{
    Modify,
    openapi::{OpenApi, RefOr, link::LinkBuilder},
};

/// `(creating operation, its success status, operations that take the new `data.id` as
/// their `{id}`)`, by operation id (the handler's name).
const LINKS: &[(&str, &str, &[&str])] = &[
    (
        "create_work_item",
        "201",
        &[
            "get_work_item",
            "patch_work_item",
            "delete_work_item",
            "get_work_item_history",
            "get_work_item_qc",
            "patch_work_item_qc",
            "list_subtasks",
            "create_subtask",
            "list_comments",
            "create_comment",
            "list_messages",
            "create_message",
        ],
    ),
    (
        "create_subtask",
        "201",
        &["patch_subtask", "delete_subtask"],
    ),
    (
        "create_comment",
        "201",
        &["patch_comment", "delete_comment"],
    ),
    (
        "create_template",
        "201",
        &["get_template", "patch_template", "delete_template"],
    ),
    (
        "create_cadence",
        "201",
        &[
            "get_cadence",
            "patch_cadence",
            "delete_cadence",
            "preview_cadence",
        ],
    ),
    (
        "create_integration_rule",
        "201",
        &["patch_integration_rule", "delete_integration_rule"],
    ),
    ("create_calendar_feed", "201", &["delete_calendar_feed"]),
    ("create_token", "201", &["delete_token"]),
    ("create_user", "201", &["patch_user"]),
    (
        "create_event",
        "201",
        &["convert_event", "dismiss_event", "retry_event"],
    ),
];

/// utoipa 5.5 writes a link's `operationId` and `requestBody` in snake case; the document is
/// served through this, which spells them as OpenAPI does.
pub fn spell_links(document: &mut serde_json::Value) {
    let Some(paths) = document.get_mut("paths").and_then(|p| p.as_object_mut()) else {
        return;
    };
    let responses = paths
        .values_mut()
        .filter_map(|item| item.as_object_mut())
        .flat_map(|item| item.values_mut())
        .filter_map(|operation| operation.get_mut("responses"))
        .filter_map(|responses| responses.as_object_mut())
        .flat_map(|responses| responses.values_mut());
    for response in responses {
        let Some(links) = response.get_mut("links").and_then(|l| l.as_object_mut()) else {
            continue;
        };
        for link in links.values_mut().filter_map(|l| l.as_object_mut()) {
            for (snake, camel) in [
                ("operation_id", "operationId"),
                ("request_body", "requestBody"),
            ] {
                if let Some(value) = link.remove(snake) {
                    link.insert(camel.to_string(), value);
                }
            }
        }
    }
}

/// Adds [`LINKS`] to the document.
pub struct CreatedLinks;

impl Modify for CreatedLinks {
    fn modify(&self, doc: &mut OpenApi) {
        for item in doc.paths.paths.values_mut() {
            let operations = [&mut item.post, &mut item.get, &mut item.patch];
            for operation in operations.into_iter().flatten() {
                let Some(id) = operation.operation_id.as_deref() else {
                    continue;
                };
                let Some((_, status, targets)) = LINKS.iter().find(|(from, ..)| *from == id) else {
                    continue;
                };
                let Some(RefOr::T(response)) = operation.responses.responses.get_mut(*status)
                else {
                    continue;
                };
                for target in *targets {
                    let link = LinkBuilder::new()
                        .operation_id(*target)
                        .parameter("id", "$response.body#/data/id")
                        .build();
                    response.links.insert((*target).to_string(), RefOr::T(link));
                }
            }
        }
    }
}
