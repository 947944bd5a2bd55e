//! `/work/{id}`: one item with every field editable, its subtasks, comments, client
//! messages, QC panel and history. Everything is loaded by a fixed handful of queries.

use std::collections::HashMap;

use askama::Template;
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
};
use uuid::Uuid;

use super::{
    Chrome, error_page,
    present::{self, CardView},
    render,
};
use crate::{
    app::App,
    db::entities::audit_log,
    domain::{
        ids::WorkItemId,
        markdown,
        work_item::{DeliverableType, ItemType, Priority},
    },
    http::{api::path_id::IdPath, extract::CurrentUser},
    services::{
        ServiceError, comments, messages, subtasks,
        work_items::{self, WorkItemView},
    },
};

pub struct SubtaskRow {
    pub id: Uuid,
    pub title: String,
    pub done: bool,
    pub due: Option<String>,
}

pub struct CommentRow {
    pub id: Uuid,
    pub author: String,
    pub when: String,
    pub html: String,
    pub deletable: bool,
}

pub struct MessageRow {
    pub label: String,
    pub when: String,
    pub status: String,
    pub body: String,
    pub inbound: bool,
}

pub struct HistoryRow {
    pub who: String,
    pub what: String,
    pub when: String,
}

#[derive(Template)]
#[template(path = "item.html")]
struct ItemPage<'a> {
    chrome: &'a Chrome,
    csrf: &'a str,
    item: WorkItemView,
    card: CardView,
    status_label: String,
    updated: String,
    description_html: String,
    statuses: Vec<(&'static str, String)>,
    priorities: Vec<&'static str>,
    types: Vec<&'static str>,
    deliverables: Vec<&'static str>,
    people: Vec<(String, String)>,
    owner_value: Option<String>,
    waiting_value: Option<String>,
    proofer_value: Option<String>,
    proofed_by: Option<String>,
    start_input: String,
    due_input: String,
    subtasks: Vec<SubtaskRow>,
    comments: Vec<CommentRow>,
    messages: Vec<MessageRow>,
    history: Vec<HistoryRow>,
    is_admin: bool,
}

/// What an audit entry says, in a few words.
fn describe(entry: &audit_log::Model) -> String {
    let changed = |key: &str| {
        let before = entry
            .before
            .as_ref()
            .and_then(|b| b.get(key))
            .map(short)
            .unwrap_or_default();
        let after = entry
            .after
            .as_ref()
            .and_then(|a| a.get(key))
            .map(short)
            .unwrap_or_default();
        format!("{before} → {after}")
    };
    match entry.action.as_str() {
        "work_item.create" => "created the item".to_string(),
        "work_item.status" => format!("changed the status: {}", changed("status")),
        "work_item.owner" => "changed the owner".to_string(),
        "work_item.due" => format!("changed the due date: {}", changed("dueAt")),
        "work_item.waiting" => "changed who it waits on".to_string(),
        "work_item.qc" => format!("changed QC: proofing {}", changed("proofStatus")),
        "work_item.delete" => "deleted the item".to_string(),
        other => other.replace(['.', '_'], " "),
    }
}

fn short(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "none".to_string(),
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

struct Loaded {
    item: WorkItemView,
    names: HashMap<Uuid, String>,
    subtasks: Vec<subtasks::SubtaskView>,
    comments: Vec<comments::CommentView>,
    messages: Vec<messages::MessageView>,
    history: Vec<audit_log::Model>,
}

async fn load(app: &App, id: WorkItemId) -> Result<Loaded, ServiceError> {
    Ok(Loaded {
        item: work_items::get(&app.db, id).await?,
        names: present::names(app).await?,
        subtasks: subtasks::list(&app.db, id).await?,
        comments: comments::list(&app.db, id).await?,
        messages: messages::list(&app.db, id).await?,
        history: work_items::history(&app.db, id).await?,
    })
}

/// `GET /work/{id}`
pub async fn get_item(
    State(app): State<App>,
    user: CurrentUser,
    headers: HeaderMap,
    IdPath(id): IdPath,
) -> Response {
    let chrome = Chrome::load(&app, &user, &headers, "work").await;
    let loaded = match load(&app, WorkItemId(id)).await {
        Ok(loaded) => loaded,
        Err(error) => return error_page(&app.settings, &chrome, error.into()),
    };
    let tz = app.settings.timezone;
    let Loaded {
        item,
        names,
        subtasks,
        comments,
        messages,
        history,
    } = loaded;
    let name_of = |id: Option<Uuid>| {
        id.and_then(|id| names.get(&id).cloned())
            .unwrap_or_else(|| "Someone".into())
    };
    let mut people: Vec<(String, String)> = names
        .iter()
        .map(|(id, name)| (id.to_string(), name.clone()))
        .collect();
    people.sort_by(|a, b| a.1.cmp(&b.1));
    let page = ItemPage {
        chrome: &chrome,
        csrf: user.csrf_token(),
        card: CardView::new(&item, &names, tz),
        status_label: present::status_label(&item.status),
        updated: present::local(item.updated_at, tz),
        description_html: markdown::render(&item.description),
        statuses: super::board::status_options(),
        priorities: Priority::ALL.iter().map(|p| p.as_str()).collect(),
        types: ItemType::ALL.iter().map(|t| t.as_str()).collect(),
        deliverables: DeliverableType::ALL.iter().map(|d| d.as_str()).collect(),
        owner_value: item.owner_id.map(|id| id.to_string()),
        waiting_value: item.waiting_on_user_id.map(|id| id.to_string()),
        proofer_value: item.proofer_id.map(|id| id.to_string()),
        proofed_by: item.proofed_by_id.map(|id| name_of(Some(id))),
        start_input: present::local_input(item.start_at, tz),
        due_input: present::local_input(item.due_at, tz),
        subtasks: subtasks
            .into_iter()
            .map(|s| SubtaskRow {
                id: s.id,
                title: s.title,
                done: s.done,
                due: s.due_at.map(|d| present::local(d, tz)),
            })
            .collect(),
        comments: comments
            .into_iter()
            .map(|c| CommentRow {
                id: c.id,
                author: c.author_name.clone().unwrap_or_else(|| "Someone".into()),
                when: present::local(c.created_at, tz),
                deletable: user.is_admin() || c.author_id == Some(user.id.0),
                html: c.body_html,
            })
            .collect(),
        messages: messages
            .into_iter()
            .map(|m| MessageRow {
                label: format!(
                    "{} {}",
                    if m.direction == "INBOUND" {
                        "From the client by"
                    } else {
                        "To the client by"
                    },
                    m.channel.to_lowercase()
                ),
                when: present::local(m.created_at, tz),
                inbound: m.direction == "INBOUND",
                status: m.status,
                body: m.body,
            })
            .collect(),
        history: history
            .iter()
            .rev()
            .map(|h| HistoryRow {
                who: name_of(h.actor_id),
                what: describe(h),
                when: present::local(h.created_at, tz),
            })
            .collect(),
        people,
        is_admin: user.is_admin(),
        item,
    };
    render(&app.settings, &chrome, StatusCode::OK, &page)
}
