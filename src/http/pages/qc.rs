//! The QC queue (`/qc`, docs/PRODUCT.md §5): every open item awaiting proofing, oldest first, with
//! its owner, proofer, graphics location and due date.

use askama::Template;
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
};

use super::{
    Chrome, error_page,
    item_rows::{ItemRow, Names},
    render,
};
use crate::{
    app::App,
    db::time,
    http::extract::CurrentUser,
    services::{ServiceError, work_items::qc},
};

#[derive(Template)]
#[template(path = "qc.html")]
struct QcPage<'a> {
    chrome: &'a Chrome,
    rows: Vec<ItemRow>,
}

async fn qc_page(app: &App, chrome: &Chrome, tz: chrono_tz::Tz) -> Result<Response, ServiceError> {
    let now = time::now();
    let queue = qc::queue(&app.db).await?;
    let names = Names::load(app).await?;
    let page = QcPage {
        chrome,
        rows: queue
            .iter()
            .map(|item| ItemRow::new(item, &names, tz, now))
            .collect(),
    };
    Ok(render(&app.settings, chrome, StatusCode::OK, &page))
}

/// `GET /qc`
pub async fn get_qc_queue(
    State(app): State<App>,
    user: CurrentUser,
    headers: HeaderMap,
) -> Response {
    let chrome = Chrome::load(&app, &user, &headers, "qc").await;
    qc_page(&app, &chrome, super::zone(&app, &user))
        .await
        .unwrap_or_else(|error| error_page(&app.settings, &chrome, error.into()))
}
