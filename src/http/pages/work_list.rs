//! `/work`: the work list with every filter of docs/PRODUCT.md §3, addressable by URL so a view can
//! be bookmarked and shared. It reads the same parameters as `GET /api/work-items`.

use askama::Template;
use axum::{
    extract::{RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};

use super::{
    Chrome, error_page,
    present::{self, CardView},
    render,
};
use crate::{
    app::App,
    domain::work_item::{DeliverableType, ItemType},
    http::{api::query::query_pairs, extract::CurrentUser},
    services::work_items::{list, list_query},
};

/// The filter form's current values, echoed back into the form.
#[derive(Default)]
struct FilterValues {
    q: String,
    status: String,
    item_type: String,
    owner: String,
    tag: String,
    deliverable: String,
    client: String,
    due_from: String,
    due_to: String,
    sort: String,
    overdue: bool,
    waiting: bool,
    needs_proofing: bool,
}

#[derive(Template)]
#[template(path = "work_list.html")]
struct WorkListPage<'a> {
    chrome: &'a Chrome,
    f: FilterValues,
    rows: Vec<CardView>,
    problems: Vec<String>,
    people: Vec<(String, String)>,
    statuses: Vec<(&'static str, &'static str)>,
    types: Vec<(&'static str, &'static str)>,
    deliverables: Vec<(&'static str, &'static str)>,
    sorts: Vec<(&'static str, &'static str)>,
    next_link: Option<String>,
    csv_query: String,
    /// How many filters are set, shown on the phone's Filters button.
    active_filters: usize,
}

const SORTS: &[(&str, &str)] = &[
    ("dueAt", "Due date"),
    ("-dueAt", "Due date, latest first"),
    ("priority", "Priority"),
    ("-updatedAt", "Recently changed"),
    ("createdAt", "Oldest first"),
    ("-createdAt", "Newest first"),
];

/// Blank form fields mean "no filter"; the page's own helpers are not filters either.
fn meaningful(pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs
        .into_iter()
        .filter(|(name, value)| !value.trim().is_empty() && name != "focus")
        .collect()
}

fn echo(pairs: &[(String, String)]) -> FilterValues {
    let mut f = FilterValues::default();
    for (name, value) in pairs {
        let value = value.clone();
        match name.as_str() {
            "q" => f.q = value,
            "status" => f.status = value,
            "type" => f.item_type = value,
            "owner" => f.owner = value,
            "tag" => f.tag = value,
            "deliverableType" => f.deliverable = value,
            "client" => f.client = value,
            "dueFrom" => f.due_from = value,
            "dueTo" => f.due_to = value,
            "sort" => f.sort = value,
            "overdue" => f.overdue = value == "true",
            "waiting" => f.waiting = value == "true",
            "needsProofing" => f.needs_proofing = value == "true",
            _ => {}
        }
    }
    f
}

fn encode(pairs: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// `GET /work`
pub async fn get_work_list(
    State(app): State<App>,
    user: CurrentUser,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let mut chrome = Chrome::load(&app, &user, &headers, "work").await;
    let pairs = match query_pairs(raw) {
        Ok(pairs) => meaningful(pairs),
        Err(error) => return error_page(&app.settings, &chrome, error),
    };
    // "My work" in the sidebar is this list filtered to the person's own items.
    if pairs.len() == 1 && pairs[0] == ("owner".to_string(), "me".to_string()) {
        chrome.section = "mywork";
    }
    let names = match present::names(&app).await {
        Ok(names) => names,
        Err(error) => return error_page(&app.settings, &chrome, error.into()),
    };
    let (rows, problems, next_cursor, status) =
        match list_query::parse(&pairs, user.id, super::zone(&app, &user)) {
            Ok(query) => match list::list(&app.db, &query).await {
                Ok(page) => {
                    let rows = page
                        .items
                        .iter()
                        .map(|i| CardView::new(i, &names, super::zone(&app, &user)))
                        .collect();
                    (rows, Vec::new(), page.next_cursor, StatusCode::OK)
                }
                Err(error) => return error_page(&app.settings, &chrome, error.into()),
            },
            Err(errors) => {
                let problems = errors.0.into_values().flatten().collect();
                (Vec::new(), problems, None, StatusCode::UNPROCESSABLE_ENTITY)
            }
        };
    let without_cursor: Vec<(String, String)> = pairs
        .iter()
        .filter(|(n, _)| n != "cursor")
        .cloned()
        .collect();
    let next_link = next_cursor.map(|cursor| {
        let mut next = without_cursor.clone();
        next.push(("cursor".into(), cursor));
        format!("/work?{}", encode(&next))
    });
    let csv_query = if without_cursor.is_empty() {
        String::new()
    } else {
        format!("?{}", encode(&without_cursor))
    };
    let mut people: Vec<(String, String)> = names
        .into_iter()
        .map(|(id, name)| (id.to_string(), name))
        .collect();
    people.sort_by(|a, b| a.1.cmp(&b.1));
    let active_filters = without_cursor.iter().filter(|(n, _)| n != "sort").count();
    let page = WorkListPage {
        chrome: &chrome,
        f: echo(&pairs),
        rows,
        problems,
        people,
        statuses: super::board::status_options(),
        types: ItemType::ALL
            .iter()
            .map(|t| (t.as_str(), t.label()))
            .collect(),
        deliverables: DeliverableType::ALL
            .iter()
            .map(|d| (d.as_str(), d.label()))
            .collect(),
        sorts: SORTS.to_vec(),
        next_link,
        csv_query,
        active_filters,
    };
    render(&app.settings, &chrome, status, &page)
}
