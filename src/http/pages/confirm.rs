//! The emailed confirmation link of people who sign in without a password: `GET /auth/confirm`
//! shows a button and `POST /auth/confirm` uses the link, marking the session that asked for it
//! as just confirmed. Nothing changes on GET, so mail scanners that open links use none up.

use askama::Template;
use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use serde::Deserialize;

use super::{Chrome, error_page, render};
use crate::{
    app::App,
    auth::{sessions, tokens},
    http::{
        error::AppError,
        extract::{CsrfForm, CurrentUser},
    },
    services::{
        reauth::{self, Asking},
        signin::ClientInfo,
    },
};

#[derive(Template)]
#[template(path = "confirm_link.html")]
struct ConfirmLinkPage<'a> {
    chrome: &'a Chrome,
    csrf: &'a str,
    token: &'a str,
    done: bool,
    minutes: i64,
}

#[derive(Deserialize)]
pub struct ConfirmLinkQuery {
    #[serde(default)]
    token: String,
}

/// Only what is shaped like one of our tokens is put back into the page.
fn plausible(token: &str) -> &str {
    if tokens::is_well_formed(token, "") {
        token
    } else {
        ""
    }
}

/// `GET /auth/confirm?token=…`
pub async fn get_confirm(
    State(app): State<App>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(query): Query<ConfirmLinkQuery>,
) -> Response {
    let chrome = Chrome::new(Some(&user), &headers);
    let page = ConfirmLinkPage {
        chrome: &chrome,
        csrf: user.csrf_token(),
        token: plausible(&query.token),
        done: false,
        minutes: sessions::RECENT_SIGN_IN.num_minutes(),
    };
    render(&app.settings, &chrome, StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct ConfirmLinkForm {
    token: String,
}

const INVALID_LINK: &str = "This confirmation link is invalid, already used, expired, or was \
     asked for in another browser. Go back to the page that asked and send another.";

/// `POST /auth/confirm`
pub async fn post_confirm(
    State(app): State<App>,
    client: ClientInfo,
    headers: HeaderMap,
    CsrfForm { user, form }: CsrfForm<ConfirmLinkForm>,
) -> Response {
    let chrome = Chrome::new(Some(&user), &headers);
    let Some(session_id) = user.session_id() else {
        return error_page(&app.settings, &chrome, AppError::Forbidden);
    };
    let asking = Asking {
        session_id,
        user_id: user.id,
        email: &user.email,
    };
    match reauth::with_link(&app.db, &app.settings, asking, &form.token, &client).await {
        Ok(true) => {
            let page = ConfirmLinkPage {
                chrome: &chrome,
                csrf: user.csrf_token(),
                token: "",
                done: true,
                minutes: sessions::RECENT_SIGN_IN.num_minutes(),
            };
            render(&app.settings, &chrome, StatusCode::OK, &page)
        }
        Ok(false) => error_page(
            &app.settings,
            &chrome,
            AppError::BadRequest(INVALID_LINK.into()),
        ),
        Err(error) => error_page(&app.settings, &chrome, error.into()),
    }
}
