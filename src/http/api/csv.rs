//! Work items as CSV: a header, then one line per item, streamed page by page so an export
//! of thousands of items never sits in memory whole.

use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};

use crate::{
    db::Db,
    services::{
        ServiceError,
        work_items::{WorkItemView, list, list_query::ListQuery},
    },
};

const HEADER: &[&str] = &[
    "id",
    "title",
    "type",
    "status",
    "priority",
    "ownerId",
    "startAt",
    "dueAt",
    "completedAt",
    "tags",
    "deliverableType",
    "client",
    "waitingOnUserId",
    "waitingReason",
    "needsProofing",
    "proofStatus",
    "createdAt",
    "updatedAt",
];

/// One CSV cell: quoted when needed, and a leading `= + - @` neutralised so that a
/// spreadsheet does not run a cell as a formula.
fn cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

fn line(cells: impl IntoIterator<Item = String>) -> String {
    let mut text = cells
        .into_iter()
        .map(|c| cell(&c))
        .collect::<Vec<_>>()
        .join(",");
    text.push_str("\r\n");
    text
}

fn row(item: &WorkItemView) -> String {
    let time =
        |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    let text = |t: &Option<String>| t.clone().unwrap_or_default();
    line([
        item.id.to_string(),
        item.title.clone(),
        item.item_type.clone(),
        item.status.clone(),
        item.priority.clone(),
        item.owner_id.map(|id| id.to_string()).unwrap_or_default(),
        time(item.start_at),
        time(item.due_at),
        time(item.completed_at),
        item.tags.join(" "),
        text(&item.deliverable_type),
        text(&item.client),
        item.waiting_on_user_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
        text(&item.waiting_reason),
        item.needs_proofing.to_string(),
        text(&item.proof_status),
        item.created_at.to_rfc3339(),
        item.updated_at.to_rfc3339(),
    ])
}

/// The response body: the header line, then each page as it is read. Each page's query has
/// a deadline, and the whole export stops with an error after `max_life`.
pub fn stream(db: Db, query: ListQuery, max_life: Duration) -> Body {
    let ends_at = Instant::now() + max_life;
    let header = Some(Bytes::from(line(HEADER.iter().map(|h| h.to_string()))));
    let state = (db, query, header, false);
    let pages =
        futures_util::stream::unfold(state, move |(db, mut query, header, finished)| async move {
            if let Some(header) = header {
                return Some((
                    Ok::<Bytes, std::io::Error>(header),
                    (db, query, None, false),
                ));
            }
            if finished {
                return None;
            }
            if Instant::now() >= ends_at {
                tracing::warn!("CSV export stopped: it ran longer than STREAM_MAX_SECS");
                return Some((
                    Err(std::io::Error::other("export took too long")),
                    (db, query, None, true),
                ));
            }
            let page = tokio::time::timeout_at(
                ends_at.into(),
                db.bounded(list::next_page(&db, &mut query)),
            )
            .await
            .unwrap_or_else(|_| {
                Err(ServiceError::Unavailable(anyhow::anyhow!(
                    "the export ran out of time"
                )))
            });
            match page {
                Ok(Some(items)) => {
                    let finished = query.cursor.is_none();
                    let text: String = items.iter().map(row).collect();
                    Some((Ok(Bytes::from(text)), (db, query, None, finished)))
                }
                Ok(None) => None,
                Err(error) => {
                    tracing::error!(%error, "CSV export stopped");
                    Some((
                        Err(std::io::Error::other("export failed")),
                        (db, query, None, true),
                    ))
                }
            }
        });
    Body::from_stream(pages)
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_are_quoted_and_formulas_neutralised() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=SUM(A1)"), "'=SUM(A1)");
    }
}
