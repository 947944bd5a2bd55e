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
    Chrome, Flash, error_page,
    item_history::{Reader, describe},
    item_values::{FormValues, Posted},
    present::{self, CardView},
    render,
};
use crate::{
    app::App,
    db::entities::audit_log,
    domain::{
        ids::WorkItemId,
        markdown,
        work_item::{DeliverableType, ItemType, Priority, ProofStatus},
    },
    http::{api::path_id::ItemPath, extract::CurrentUser},
    services::{
        ServiceError, comments, messages, subtasks,
        work_items::{self, WorkItemView, qc},
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
    status_label: &'static str,
    updated: String,
    description_html: String,
    statuses: Vec<(&'static str, &'static str)>,
    priorities: Vec<(&'static str, &'static str)>,
    types: Vec<(&'static str, &'static str)>,
    deliverables: Vec<(&'static str, &'static str)>,
    people: Vec<(String, String)>,
    /// What each control shows: the stored item, or what the person typed when a save was
    /// stopped by someone else's change.
    values: FormValues,
    proof_label: Option<&'static str>,
    proofed_by: Option<String>,
    proofed_at: Option<String>,
    /// Approve and Request changes are shown only to someone who may use them.
    may_decide: bool,
    type_label: &'static str,
    subtasks: Vec<SubtaskRow>,
    comments: Vec<CommentRow>,
    messages: Vec<MessageRow>,
    history: Vec<HistoryRow>,
    is_admin: bool,
}

struct Loaded {
    item: WorkItemView,
    names: HashMap<Uuid, String>,
    subtasks: Vec<subtasks::SubtaskView>,
    comments: Vec<comments::CommentView>,
    messages: Vec<messages::MessageView>,
    history: Vec<audit_log::Model>,
}

/// The page's reads are independent, so they go out together: on PostgreSQL each is a round
/// trip, and in a row they were most of the page's time.
async fn load(app: &App, id: WorkItemId) -> Result<Loaded, ServiceError> {
    let (item, names, subtasks, comments, messages, history) = tokio::try_join!(
        work_items::get(&app.db, id),
        present::names(app),
        subtasks::list(&app.db, id),
        comments::list(&app.db, id),
        messages::list(&app.db, id),
        work_items::history(&app.db, id),
    )?;
    Ok(Loaded {
        item,
        names,
        subtasks,
        comments,
        messages,
        history,
    })
}

/// What a refused save hands back to the page: the typed values and why they are not saved.
pub struct Kept {
    pub posted: Posted,
    pub notice: Flash,
}

/// `GET /work/{id}`: `{id}` is the item's id or its key.
pub async fn get_item(
    State(app): State<App>,
    user: CurrentUser,
    headers: HeaderMap,
    ItemPath(id): ItemPath,
) -> Response {
    let (chrome, loaded) = tokio::join!(
        Chrome::load(&app, &user, &headers, "work"),
        load(&app, WorkItemId(id.0))
    );
    show(&app, &user, chrome, loaded, None)
}

/// The item page; with `kept`, its controls show what the person typed instead of what is
/// stored (the version is the stored one, so saving again applies what they typed).
pub async fn item_page(
    app: &App,
    user: &CurrentUser,
    chrome: Chrome,
    id: Uuid,
    kept: Option<Kept>,
) -> Response {
    let loaded = load(app, WorkItemId(id)).await;
    show(app, user, chrome, loaded, kept)
}

/// Renders the page from what [`load`] read.
fn show(
    app: &App,
    user: &CurrentUser,
    mut chrome: Chrome,
    loaded: Result<Loaded, ServiceError>,
    kept: Option<Kept>,
) -> Response {
    let loaded = match loaded {
        Ok(loaded) => loaded,
        Err(error) => return error_page(&app.settings, &chrome, error.into()),
    };
    let may_decide = qc::may_decide_on(user.id.0, user.role, &loaded.item, &loaded.history);
    let tz = super::zone(app, user);
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
    let mut values = FormValues::of(&item, tz);
    if let Some(kept) = kept {
        values.keep_typed(&kept.posted);
        chrome.flash = Some(kept.notice);
    }
    let reader = Reader { names: &names, tz };
    let page = ItemPage {
        chrome: &chrome,
        csrf: user.csrf_token(),
        card: CardView::new(&item, &names, tz),
        status_label: item.status.label(),
        updated: present::local(item.updated_at, tz),
        description_html: markdown::render(&item.description),
        statuses: super::board::status_options(),
        priorities: Priority::ALL
            .iter()
            .map(|p| (p.as_str(), p.label()))
            .collect(),
        types: ItemType::ALL
            .iter()
            .map(|t| (t.as_str(), t.label()))
            .collect(),
        deliverables: DeliverableType::ALL
            .iter()
            .map(|d| (d.as_str(), d.label()))
            .collect(),
        proof_label: item.proof_status.map(ProofStatus::label),
        proofed_by: item.proofed_by_id.map(|id| name_of(Some(id))),
        proofed_at: item.proofed_at.map(|at| present::local(at, tz)),
        may_decide: may_decide && item.needs_proofing,
        type_label: item.item_type.label(),
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
                    channel_word(&m.channel)
                ),
                when: present::local(m.created_at, tz),
                inbound: m.direction == "INBOUND",
                status: delivery_word(&m.status),
                body: m.body,
            })
            .collect(),
        history: history
            .iter()
            .rev()
            .map(|h| HistoryRow {
                who: name_of(h.actor_id),
                what: describe(h, &reader),
                when: present::local(h.created_at, tz),
            })
            .collect(),
        people,
        is_admin: user.is_admin(),
        values,
        item,
    };
    render(&app.settings, &chrome, StatusCode::OK, &page)
}

/// A message channel as people say it.
fn channel_word(channel: &str) -> &'static str {
    match channel {
        "EMAIL" => "email",
        "SMS" => "text message",
        _ => "note",
    }
}

/// Where a client message stands, in words.
fn delivery_word(status: &str) -> String {
    match status {
        "QUEUED" => "waiting to be sent",
        "SENT" => "sent",
        "DELIVERED" => "delivered",
        "FAILED" => "not delivered",
        "RECEIVED" => "received",
        _ => "logged",
    }
    .to_string()
}
