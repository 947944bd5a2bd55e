//! The query parameters of the work-item list and its CSV export, as the OpenAPI document
//! declares them. The server reads the raw pairs itself (`services::work_items::list_query`,
//! which also takes comma lists); this type only describes them, so it is never built.

use utoipa::IntoParams;

use crate::domain::work_item::{DeliverableType, ItemType, Status};

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ListParams {
    /// Repeatable: any of these statuses.
    #[param(explode, style = Form)]
    status: Option<Vec<Status>>,
    /// Repeatable: any of these types.
    #[param(rename = "type", explode, style = Form)]
    item_type: Option<Vec<ItemType>>,
    /// A person's id, `me` or `none`.
    #[param(
        pattern = "^(me|none|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
    )]
    owner: Option<String>,
    /// Repeatable: every tag must match.
    #[param(explode, style = Form, max_length = 40, pattern = "^[a-z0-9-]{1,40}$")]
    tag: Option<Vec<String>>,
    /// Repeatable: any of these deliverable types.
    #[param(rename = "deliverableType", explode, style = Form)]
    deliverable_type: Option<Vec<DeliverableType>>,
    /// Items whose client contains this text.
    client: Option<String>,
    /// Due at or after: a local date (`YYYY-MM-DD`, its start) or an RFC 3339 time.
    #[param(
        rename = "dueFrom",
        pattern = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2}))?$"
    )]
    due_from: Option<String>,
    /// Due before: a local date (`YYYY-MM-DD`, the next day's start) or an RFC 3339 time.
    #[param(
        rename = "dueTo",
        pattern = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2}))?$"
    )]
    due_to: Option<String>,
    overdue: Option<bool>,
    waiting: Option<bool>,
    /// Items waiting on this person: an id, or `me`.
    #[param(rename = "waitingOn")]
    waiting_on: Option<String>,
    #[param(rename = "needsProofing")]
    needs_proofing: Option<bool>,
    /// Words in the title, description or client.
    q: Option<String>,
    /// `dueAt`, `priority`, `updatedAt` or `createdAt`; `-` before it for descending.
    #[param(pattern = "^-?(dueAt|priority|updatedAt|createdAt)$")]
    sort: Option<String>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    /// The `nextCursor` of the previous page (with the same sort).
    cursor: Option<String>,
}
