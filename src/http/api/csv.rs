//! Work items as CSV for people: a header, then one line per item in people's words (names,
//! labels, times in the reader's zone), streamed page by page so an export
//! of thousands of items never sits in memory whole.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use axum::body::{Body, Bytes};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use url::Url;
use uuid::Uuid;

use crate::{
    db::Db,
    domain::{local_time, work_item::ProofStatus},
    services::{
        ServiceError,
        work_items::{WorkItemView, list, list_query::ListQuery},
    },
};

/// Column headings as people read them: the export is opened in spreadsheets, not parsed by
/// programs (the JSON API keeps its field names and codes).
const HEADER: &[&str] = &[
    "Key",
    "Title",
    "Type",
    "Status",
    "Priority",
    "Owner",
    "Starts",
    "Due",
    "Completed",
    "Tags",
    "Deliverable type",
    "Client",
    "Waiting on",
    "Waiting for",
    "Proofing",
    "Created",
    "Updated",
    "Link",
];

/// What turns an item into people's words: names for ids, the reader's zone for times, and
/// where the items live.
pub struct Readable {
    pub names: HashMap<Uuid, String>,
    pub tz: Tz,
    pub base_url: Url,
}

impl Readable {
    fn time(&self, at: Option<DateTime<Utc>>) -> String {
        at.map(|at| local_time::when(at, self.tz))
            .unwrap_or_default()
    }

    fn name(&self, id: Uuid) -> String {
        self.names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| "someone".to_string())
    }
}

/// A code in people's words (`IN_REVIEW` → "In review"); blank when there is none.
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

fn row(item: &WorkItemView, readable: &Readable) -> String {
    let text = |t: &Option<String>| t.clone().unwrap_or_default();
    let open = item.status.is_open();
    // Finished work waits on nobody, whatever an older row still holds.
    let waiting_on = item.waiting_on_user_id.filter(|_| open);
    let link = readable
        .base_url
        .join(&format!("work/{}", item.key))
        .map(|url| url.to_string())
        .unwrap_or_default();
    line([
        item.key.clone(),
        item.title.clone(),
        item.item_type.label().to_string(),
        item.status.label().to_string(),
        item.priority.label().to_string(),
        item.owner_id
            .map(|id| readable.name(id))
            .unwrap_or_else(|| "No owner".to_string()),
        readable.time(item.start_at),
        readable.time(item.due_at),
        readable.time(item.completed_at),
        item.tags.join(" "),
        item.deliverable_type
            .map(|kind| kind.label().to_string())
            .unwrap_or_default(),
        text(&item.client),
        waiting_on.map(|id| readable.name(id)).unwrap_or_default(),
        waiting_on
            .and(item.waiting_reason.clone())
            .unwrap_or_default(),
        if item.needs_proofing {
            let proof = item.proof_status.unwrap_or(ProofStatus::Pending);
            proof.label().to_string()
        } else {
            String::new()
        },
        readable.time(Some(item.created_at)),
        readable.time(Some(item.updated_at)),
        link,
    ])
}

/// The response body: the header line, then each page as it is read. Each page's query has
/// a deadline, and the whole export stops with an error after `max_life`.
pub fn stream(db: Db, query: ListQuery, max_life: Duration, readable: Readable) -> Body {
    let ends_at = Instant::now() + max_life;
    let header = Some(Bytes::from(line(HEADER.iter().map(|h| h.to_string()))));
    let readable = std::sync::Arc::new(readable);
    let state = (db, query, header, false);
    let pages = futures_util::stream::unfold(state, move |(db, mut query, header, finished)| {
        let readable = readable.clone();
        async move {
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
                    let text: String = items.iter().map(|item| row(item, &readable)).collect();
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
