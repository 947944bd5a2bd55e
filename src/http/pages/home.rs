//! The start page.

use askama::Template;
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
};

use super::{Chrome, render};
use crate::{app::App, http::extract::CurrentUser};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    chrome: &'a Chrome,
    name: &'a str,
    is_admin: bool,
}

/// `GET /`
pub async fn get_home(State(app): State<App>, user: CurrentUser, headers: HeaderMap) -> Response {
    let chrome = Chrome::new(Some(&user), &headers);
    let page = HomePage {
        chrome: &chrome,
        name: &user.name,
        is_admin: user.is_admin(),
    };
    render(&app.settings, &chrome, StatusCode::OK, &page)
}
