//! The board: a column per status, cards in rank order; moving a card is a drag (app.js,
//! through the API) or the card's Move menu (a form, without JavaScript).

use askama::Template;
use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use super::{
    Chrome, error_page,
    present::{self, CardView},
    redirect_with_flash, render,
};
use crate::{
    app::App,
    domain::{ids::WorkItemId, work_item::Status},
    http::{
        api::path_id::IdPath,
        error::AppError,
        extract::{CsrfForm, CurrentUser},
    },
    services::{
        board::{self, BoardFilter},
        signin::ClientInfo,
        work_items::{self, input::WorkItemChanges},
    },
};

struct ColumnView {
    status: &'static str,
    label: String,
    cards: Vec<CardView>,
    total: u64,
    more: bool,
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage<'a> {
    chrome: &'a Chrome,
    csrf: &'a str,
    columns: Vec<ColumnView>,
    statuses: Vec<(&'static str, String)>,
    owner_filter: String,
    tag_filter: String,
    query_suffix: String,
}

#[derive(Template)]
#[template(path = "card_partial.html")]
struct CardPartial<'a> {
    card: CardView,
    csrf: &'a str,
    statuses: Vec<(&'static str, String)>,
}

/// Every status with its label, for the Move menus.
pub fn status_options() -> Vec<(&'static str, String)> {
    Status::ALL
        .iter()
        .map(|s| (s.as_str(), present::status_label(s.as_str())))
        .collect()
}

#[derive(Deserialize)]
pub struct BoardQuery {
    owner: Option<String>,
    tag: Option<String>,
    more: Option<String>,
}

/// `GET /board`
pub async fn get_board(
    State(app): State<App>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(query): Query<BoardQuery>,
) -> Response {
    let chrome = Chrome::load(&app, &user, &headers, "board").await;
    let owner_filter = query.owner.clone().unwrap_or_default();
    let tag_filter = query.tag.clone().unwrap_or_default().trim().to_lowercase();
    let filter = BoardFilter {
        owner: (owner_filter == "me").then_some(user.id),
        tag: Some(tag_filter.clone()).filter(|t| !t.is_empty()),
    };
    let expanded = query.more.as_deref().and_then(|s| s.parse::<Status>().ok());
    let loaded = match board::columns(&app.db, &filter, expanded).await {
        Ok(columns) => columns,
        Err(error) => return error_page(&app.settings, &chrome, error.into()),
    };
    let names = match present::names(&app).await {
        Ok(names) => names,
        Err(error) => return error_page(&app.settings, &chrome, error.into()),
    };
    let tz = super::zone(&app, &user);
    let columns = loaded
        .into_iter()
        .map(|column| ColumnView {
            status: column.status.as_str(),
            label: present::status_label(column.status.as_str()),
            more: (column.cards.len() as u64) < column.total,
            total: column.total,
            cards: column
                .cards
                .iter()
                .map(|item| CardView::new(item, &names, tz))
                .collect(),
        })
        .collect();
    let mut query_suffix = String::new();
    if !owner_filter.is_empty() {
        query_suffix.push_str(&format!("&owner={}", url_encode(&owner_filter)));
    }
    if !tag_filter.is_empty() {
        query_suffix.push_str(&format!("&tag={}", url_encode(&tag_filter)));
    }
    let page = BoardPage {
        chrome: &chrome,
        csrf: user.csrf_token(),
        columns,
        statuses: status_options(),
        owner_filter,
        tag_filter,
        query_suffix,
    };
    render(&app.settings, &chrome, StatusCode::OK, &page)
}

fn url_encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// `GET /board/cards/{id}`: one card's HTML, for live updates.
pub async fn get_board_card(
    State(app): State<App>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Response {
    let result = async {
        let item = work_items::get(&app.db, WorkItemId(id)).await?;
        let names = present::names(&app).await?;
        Ok::<_, crate::services::ServiceError>(CardView::new(
            &item,
            &names,
            super::zone(&app, &user),
        ))
    }
    .await;
    match result {
        Ok(card) => {
            let partial = CardPartial {
                card,
                csrf: user.csrf_token(),
                statuses: status_options(),
            };
            match partial.render() {
                Ok(html) => axum::response::Html(html).into_response(),
                Err(error) => AppError::Internal(anyhow::anyhow!("{error}")).into_response(),
            }
        }
        Err(error) => AppError::from(error).into_response(),
    }
}

#[derive(Deserialize)]
pub struct MoveForm {
    status: String,
    version: Option<i32>,
}

/// `POST /board/cards/{id}/move`: the Move menu; a refusal (such as the QC gate) comes
/// back as the flash message.
pub async fn post_move_card(
    State(app): State<App>,
    IdPath(id): IdPath,
    client: ClientInfo,
    headers: HeaderMap,
    CsrfForm { user, form }: CsrfForm<MoveForm>,
) -> Response {
    let changes = WorkItemChanges {
        status: Some(form.status),
        ..Default::default()
    };
    match work_items::update(
        &app.db,
        &client.actor_for(&user),
        WorkItemId(id),
        form.version,
        changes,
    )
    .await
    {
        Ok(item) => redirect_with_flash(
            &app.settings,
            "/board",
            &format!(
                "Moved “{}” to {}.",
                item.title,
                present::status_label(&item.status)
            ),
        ),
        Err(crate::services::ServiceError::Conflict(reason)) => {
            super::redirect_with_error(&app.settings, "/board", &format!("Not moved: {reason}"))
        }
        Err(error) => error_page(
            &app.settings,
            &Chrome::new(Some(&user), &headers),
            error.into(),
        ),
    }
}
