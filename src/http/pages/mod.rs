//! HTML handlers, one file per page group, and what they share: the page chrome (who is
//! signed in, the flash message), rendering, redirects and the HTML error page.

use askama::Template;
use axum::{
    http::{HeaderMap, StatusCode, header},
    response::{Html, IntoResponse, Response},
};

use super::{cookies, error::AppError, extract::CurrentUser};
use crate::config::Settings;

pub mod admin_rules;
pub mod admin_users;
pub mod audit;
mod audit_changes;
pub mod auth;
pub mod board;
pub mod board_view;
pub mod cadences;
pub mod calendar;
pub mod charts;
pub mod confirm;
pub mod dashboard;
pub mod errors;
pub mod event_detail;
pub mod events;
pub mod field_words;
pub mod inbox;
pub mod item;
pub mod item_forms;
pub mod item_history;
pub mod item_rows;
pub mod item_save;
pub mod item_values;
pub mod new_item;
pub mod present;
pub mod profile;
pub mod qc;
pub mod static_files;
pub mod stats;
pub mod template_form;
pub mod templates;
pub mod time_zone;
pub mod work_list;

/// What every page's frame shows: the signed-in person, their unread count, the section
/// being viewed (for the navigation), the asset URLs and a one-shot message.
pub struct Chrome {
    pub user: Option<ChromeUser>,
    pub flash: Option<Flash>,
    pub unread: u64,
    /// Open items waiting on the signed-in person, shown beside the inbox entry.
    pub waiting: u64,
    pub section: &'static str,
    pub css_url: &'static str,
    pub js_url: &'static str,
    pub palette_js_url: &'static str,
}

pub struct ChromeUser {
    pub id: String,
    pub name: String,
    pub is_admin: bool,
    pub csrf: String,
    /// Set until the person chooses a zone: the zone used meanwhile, whose offer the page shows.
    pub zone_to_choose: Option<String>,
}

impl Chrome {
    /// The frame without the unread count (sign-in pages, errors).
    pub fn new(user: Option<&CurrentUser>, headers: &HeaderMap) -> Chrome {
        Chrome {
            user: user.map(|u| ChromeUser {
                id: u.id.to_string(),
                name: u.name.clone(),
                is_admin: u.is_admin(),
                csrf: u.csrf_token().to_string(),
                zone_to_choose: None,
            }),
            flash: cookies::read_flash(headers).map(|raw| Flash::decode(&raw)),
            unread: 0,
            waiting: 0,
            section: "",
            css_url: static_files::css_url(),
            js_url: static_files::js_url(),
            palette_js_url: static_files::palette_js_url(),
        }
    }

    /// The full frame of a signed-in page, `section` naming its navigation entry.
    pub async fn load(
        app: &crate::app::App,
        user: &CurrentUser,
        headers: &HeaderMap,
        section: &'static str,
    ) -> Chrome {
        let mut chrome = Chrome::new(Some(user), headers);
        chrome.section = section;
        if let Some(me) = chrome.user.as_mut()
            && user.time_zone.is_none()
        {
            me.zone_to_choose = Some(app.settings.timezone.name().to_string());
        }
        // A failed count must not cost the whole page; the badge just stays empty. The two
        // counts are independent reads, asked together.
        let (unread, waiting) = tokio::join!(
            crate::services::notifications::unread_count(app.db.conn(), user.id),
            crate::services::inbox::waiting_count(&app.db, user.id)
        );
        chrome.unread = unread.unwrap_or(0);
        chrome.waiting = waiting.unwrap_or(0);
        chrome
    }

    /// `aria-current="page"` for the navigation entry of this page.
    pub fn current(&self, section: &str) -> &'static str {
        if self.section == section {
            "page"
        } else {
            "false"
        }
    }
}

/// The zone a person reads and types times in: their own, or `OPS_TIMEZONE` until they
/// choose one.
pub fn zone(app: &crate::app::App, user: &CurrentUser) -> chrono_tz::Tz {
    user.time_zone.unwrap_or(app.settings.timezone)
}

/// Renders a template into a response, clearing the flash cookie once it has been shown.
pub fn render(
    settings: &Settings,
    chrome: &Chrome,
    status: StatusCode,
    page: &impl Template,
) -> Response {
    match page.render() {
        Ok(html) => {
            let mut response = (status, Html(html)).into_response();
            if chrome.flash.is_some() {
                response
                    .headers_mut()
                    .append(header::SET_COOKIE, cookies::clear_flash(settings));
            }
            response
        }
        Err(error) => {
            AppError::Internal(anyhow::anyhow!("template failed: {error}")).into_response()
        }
    }
}

/// A 302 to `location`.
pub fn found(location: &str) -> Response {
    (
        StatusCode::FOUND,
        [(header::LOCATION, location.to_string())],
    )
        .into_response()
}

/// A one-shot message on the next page: a confirmation, or a refusal that must look like one
/// (colour, icon, and `role="alert"` instead of `status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub text: String,
    pub error: bool,
}

impl Flash {
    /// The cookie carries the kind as a two-letter prefix; a bare text is a confirmation.
    fn encode(&self) -> String {
        format!("{}|{}", if self.error { "no" } else { "ok" }, self.text)
    }

    fn decode(raw: &str) -> Flash {
        match raw.split_once('|') {
            Some(("no", text)) => Flash {
                text: text.to_string(),
                error: true,
            },
            Some(("ok", text)) => Flash {
                text: text.to_string(),
                error: false,
            },
            _ => Flash {
                text: raw.to_string(),
                error: false,
            },
        }
    }
}

/// A 302 to `location` that confirms `message` there.
pub fn redirect_with_flash(settings: &Settings, location: &str, message: &str) -> Response {
    redirect_with(
        settings,
        location,
        Flash {
            text: message.to_string(),
            error: false,
        },
    )
}

/// A 302 to `location` that shows `message` there as a refusal.
pub fn redirect_with_error(settings: &Settings, location: &str, message: &str) -> Response {
    redirect_with(
        settings,
        location,
        Flash {
            text: message.to_string(),
            error: true,
        },
    )
}

fn redirect_with(settings: &Settings, location: &str, flash: Flash) -> Response {
    let mut response = found(location);
    response.headers_mut().append(
        header::SET_COOKIE,
        cookies::flash(settings, &flash.encode()),
    );
    response
}

/// Only same-site paths are followed after sign-in (see [`crate::domain::redirect`]).
pub fn safe_next(next: Option<&str>) -> String {
    crate::domain::redirect::same_site_path(next)
}

/// A simple page with a heading and a sentence (confirmations and errors).
#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage<'a> {
    pub chrome: &'a Chrome,
    pub title: &'a str,
    pub message: &'a str,
}

/// An error as a friendly HTML page (API routes use JSON instead); see [`errors`].
pub fn error_page(settings: &Settings, chrome: &Chrome, error: AppError) -> Response {
    errors::error_page(settings, chrome, error)
}
