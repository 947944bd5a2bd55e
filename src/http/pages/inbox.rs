//! The inbox page (`/inbox`, docs/PRODUCT.md §4): items waiting on me, items for me to proof, and my
//! unread notifications, which can be marked read one by one or all at once.

use askama::Template;
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    Chrome, error_page,
    item_rows::{ItemRow, Names, ago},
    redirect_with_flash, render,
};
use crate::{
    app::App,
    db::time,
    http::extract::{CsrfForm, CurrentUser},
    services::{
        ServiceError,
        inbox::{self, MarkRead},
        notifications::NotificationView,
    },
};

/// A notification as the page shows it.
struct NotificationRow {
    id: Uuid,
    kind: &'static str,
    body: String,
    actor: Option<String>,
    work_item_id: Option<Uuid>,
    when: String,
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "MENTION" => "Mentioned you",
        "ASSIGNED" => "Assigned to you",
        "WAITING" => "Waiting on you",
        "CHANGES_REQUESTED" => "Changes requested",
        "CLIENT_REPLY" => "Client replied",
        "OVERDUE" => "Overdue",
        _ => "Notification",
    }
}

impl NotificationRow {
    fn new(n: &NotificationView, names: &Names, now: chrono::DateTime<chrono::Utc>) -> Self {
        NotificationRow {
            id: n.id,
            kind: kind_label(&n.kind),
            body: n.body.clone(),
            actor: names.get(n.actor_id),
            work_item_id: n.work_item_id,
            when: ago((now - n.created_at).num_seconds()),
        }
    }
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage<'a> {
    chrome: &'a Chrome,
    csrf: &'a str,
    waiting: Vec<ItemRow>,
    /// How many wait on me in all, as the page says it ("1,000+" past the cap).
    waiting_count: String,
    /// Whether more wait on me than the page lists.
    waiting_more: bool,
    to_proof: Vec<ItemRow>,
    to_proof_count: String,
    to_proof_more: bool,
    notifications: Vec<NotificationRow>,
    unread: u64,
}

/// A section's count; the inbox stops counting at its cap.
fn count_text(n: u64) -> String {
    if n >= inbox::INBOX_COUNT_CAP {
        format!("{}+", inbox::INBOX_COUNT_CAP)
    } else {
        n.to_string()
    }
}

async fn inbox_page(
    app: &App,
    user: &CurrentUser,
    chrome: &Chrome,
) -> Result<Response, ServiceError> {
    let now = time::now();
    let tz = super::zone(app, user);
    let mine = inbox::inbox(&app.db, user.id).await?;
    let names = Names::load(app).await?;
    let page = InboxPage {
        chrome,
        csrf: user.csrf_token(),
        waiting: mine
            .waiting_on_me
            .iter()
            .map(|w| ItemRow::new(&w.item, &names, tz, now))
            .collect(),
        waiting_count: count_text(mine.waiting_on_me_count),
        waiting_more: mine.waiting_on_me_count > mine.waiting_on_me.len() as u64,
        to_proof_count: count_text(mine.to_proof_count),
        to_proof_more: mine.to_proof_count > mine.to_proof.len() as u64,
        to_proof: mine
            .to_proof
            .iter()
            .map(|item| ItemRow::new(item, &names, tz, now))
            .collect(),
        notifications: mine
            .notifications
            .iter()
            .map(|n| NotificationRow::new(n, &names, now))
            .collect(),
        unread: mine.unread_count,
    };
    Ok(render(&app.settings, chrome, StatusCode::OK, &page))
}

/// `GET /inbox`
pub async fn get_inbox(State(app): State<App>, user: CurrentUser, headers: HeaderMap) -> Response {
    let chrome = Chrome::load(&app, &user, &headers, "inbox").await;
    inbox_page(&app, &user, &chrome)
        .await
        .unwrap_or_else(|error| error_page(&app.settings, &chrome, error.into()))
}

/// The mark-read form: one notification's `id`, or none for "mark all read".
#[derive(Deserialize)]
pub struct MarkReadForm {
    #[serde(default)]
    id: Option<String>,
}

/// `POST /inbox/read`: marks one notification (`id`) or all of mine read.
pub async fn post_inbox_read(
    State(app): State<App>,
    headers: HeaderMap,
    CsrfForm { user, form }: CsrfForm<MarkReadForm>,
) -> Response {
    let one = form.id.filter(|id| !id.trim().is_empty());
    let request = match &one {
        Some(id) => MarkRead {
            ids: Some(vec![id.clone()]),
            all: None,
        },
        None => MarkRead {
            ids: None,
            all: Some(true),
        },
    };
    match inbox::mark_read(&app.db, user.id, request).await {
        Ok(marked) => {
            let message = match (one.is_some(), marked) {
                (_, 0) => "Nothing was unread.".to_string(),
                (true, _) => "Marked as read.".to_string(),
                (false, 1) => "Marked 1 notification as read.".to_string(),
                (false, n) => format!("Marked {n} notifications as read."),
            };
            redirect_with_flash(&app.settings, "/inbox", &message)
        }
        Err(error) => error_page(
            &app.settings,
            &Chrome::new(Some(&user), &headers),
            error.into(),
        ),
    }
}
