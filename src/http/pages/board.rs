//! The board: a column per status, cards in rank order; moving a card is a drag (app.js,
//! through the API) or the card's Move menu (a form, without JavaScript); a card is added at
//! the top of a column by the column's own form.

use askama::Template;
use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use super::{
    Chrome,
    board_view::{self, BoardUrl, ColumnView, FOLD_COOKIE},
    error_page,
    present::{self, CardView},
    redirect_with_error, redirect_with_flash, render,
};
use crate::{
    app::App,
    domain::{ids::WorkItemId, work_item::Status},
    http::{
        api::path_id::IdPath,
        cookies,
        error::AppError,
        extract::{CsrfForm, CurrentUser},
    },
    services::{
        ServiceError,
        board::{self, BoardFilter},
        signin::ClientInfo,
        work_items::{self, input::WorkItemChanges},
    },
};

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage<'a> {
    chrome: &'a Chrome,
    csrf: &'a str,
    columns: Vec<ColumnView>,
    statuses: &'static [Status],
    url: BoardUrl,
    fold_value: String,
}

#[derive(Template)]
#[template(path = "card_partial.html")]
struct CardPartial<'a> {
    card: CardView,
    csrf: &'a str,
    statuses: &'static [Status],
}

/// Every status with its label, for the Move menus.
pub fn status_options() -> Vec<(&'static str, &'static str)> {
    board_view::status_options()
}

#[derive(Deserialize)]
pub struct BoardQuery {
    owner: Option<String>,
    tag: Option<String>,
    more: Option<String>,
    fold: Option<String>,
}

fn board_filter(user: &CurrentUser, owner: &str, tag: &str) -> BoardFilter {
    BoardFilter {
        owner: (owner == "me").then_some(user.id),
        tag: Some(tag.to_string()).filter(|t| !t.is_empty()),
    }
}

/// `GET /board`
pub async fn get_board(
    State(app): State<App>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(query): Query<BoardQuery>,
) -> Response {
    let chrome = Chrome::load(&app, &user, &headers, "board").await;
    let (fold, from_url) = board_view::folds(query.fold.as_deref(), &headers);
    let url = BoardUrl {
        owner: query.owner.clone().unwrap_or_default(),
        tag: query.tag.clone().unwrap_or_default().trim().to_lowercase(),
        fold,
    };
    let filter = board_filter(&user, &url.owner, &url.tag);
    let expanded = query.more.as_deref().and_then(|s| s.parse::<Status>().ok());
    let loaded = match board::columns(&app.db, &filter, expanded, &url.fold).await {
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
        .map(|column| {
            let cards = column
                .cards
                .iter()
                .map(|item| CardView::new(item, &names, tz))
                .collect();
            ColumnView::new(column, cards, &url)
        })
        .collect();
    let fold_value = BoardUrl::fold_value(&url.fold);
    let page = BoardPage {
        chrome: &chrome,
        csrf: user.csrf_token(),
        columns,
        statuses: Status::ALL,
        url,
        fold_value,
    };
    let mut response = render(&app.settings, &chrome, StatusCode::OK, &page);
    if from_url {
        // Folding is a link, so the choice arrives in the URL; remember it for the next visit.
        response.headers_mut().append(
            header::SET_COOKIE,
            cookies::board_fold(&app.settings, FOLD_COOKIE, &page_fold(&query)),
        );
    }
    response
}

/// The URL's fold value as remembered: only what [`board_view::parse_fold`] accepted.
fn page_fold(query: &BoardQuery) -> String {
    let folds = query
        .fold
        .as_deref()
        .and_then(board_view::parse_fold)
        .unwrap_or_default();
    BoardUrl::fold_value(&folds)
}

#[derive(Deserialize)]
pub struct AddCardForm {
    status: String,
    title: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    fold: String,
}

/// `POST /board/cards`: a card with just a title, at the top of its column.
pub async fn post_add_card(
    State(app): State<App>,
    client: ClientInfo,
    headers: HeaderMap,
    CsrfForm { user, form }: CsrfForm<AddCardForm>,
) -> Response {
    let url = BoardUrl {
        owner: form.owner.clone(),
        tag: form.tag.trim().to_lowercase(),
        fold: board_view::parse_fold(&form.fold).unwrap_or_default(),
    };
    let back = url.back();
    let Ok(status) = form.status.parse::<Status>() else {
        return redirect_with_error(&app.settings, &back, "That column does not exist.");
    };
    let filter = board_filter(&user, &url.owner, &url.tag);
    let actor = client.actor_for(&user);
    match board::add_card(&app.db, &actor, status, &form.title, &filter).await {
        Ok(item) => redirect_with_flash(
            &app.settings,
            &back,
            &format!("Added “{}” to {}.", item.title, status.label()),
        ),
        Err(ServiceError::Invalid(errors)) => {
            let text = if errors.0.contains_key("title") {
                "A card needs a title (up to 200 characters).".to_string()
            } else {
                format!(
                    "Not added: {}",
                    errors
                        .0
                        .into_values()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            };
            redirect_with_error(&app.settings, &back, &text)
        }
        Err(ServiceError::Conflict(reason)) => {
            redirect_with_error(&app.settings, &back, &format!("Not added: {reason}"))
        }
        Err(error) => error_page(
            &app.settings,
            &Chrome::new(Some(&user), &headers),
            error.into(),
        ),
    }
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
        Ok::<_, ServiceError>(CardView::new(&item, &names, super::zone(&app, &user)))
    }
    .await;
    match result {
        Ok(card) => {
            let partial = CardPartial {
                card,
                csrf: user.csrf_token(),
                statuses: Status::ALL,
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
            &format!("Moved “{}” to {}.", item.title, item.status.label()),
        ),
        Err(ServiceError::Conflict(reason)) => {
            redirect_with_error(&app.settings, "/board", &format!("Not moved: {reason}"))
        }
        Err(error) => error_page(
            &app.settings,
            &Chrome::new(Some(&user), &headers),
            error.into(),
        ),
    }
}
