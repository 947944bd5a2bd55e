//! "Confirm it's you" before a sensitive action. A form for such an action is read by
//! [`ConfirmableForm`]; when its handler calls [`ConfirmableForm::confirmed`] and the session
//! did not sign in within [`sessions::RECENT_SIGN_IN`], the answer is a confirmation page instead
//! of the action. That page carries everything the person typed as hidden fields and posts back
//! to the same address, so once they confirm (their password, or an emailed link for people
//! without one) the same request completes the original action — without JavaScript, and
//! without losing their input.
//!
//! On the API a session must have signed in recently, and an API token may not take these
//! actions at all (see [`require_recent`]).

use askama::Template;
use axum::{
    extract::{FromRequest, FromRequestParts, Request},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::de::DeserializeOwned;

use super::{
    error::AppError,
    extract::{AuthVia, CurrentUser, expired_form, parse_form, read_body},
    pages::{Chrome, error_page, render},
};
use crate::{
    app::App,
    auth::{sessions, tokens},
    db::time,
    services::{
        reauth::{self, Asking},
        signin::ClientInfo,
    },
};

/// The form fields the confirmation step adds; everything else is the action's own input.
const CSRF_FIELD: &str = "_csrf";
const STEP_FIELD: &str = "_confirm";
const PASSWORD_FIELD: &str = "_confirm_password";

/// A form posted by a signed-in person for a sensitive action, its CSRF token checked.
pub struct ConfirmableForm<T> {
    pub user: CurrentUser,
    pub form: T,
    step: Step,
}

/// What the confirmation step needs to show its page again or complete.
struct Step {
    /// Where the form was posted (the confirmation page posts there again).
    action: String,
    /// The action's own fields, in order, to carry through the confirmation page.
    fields: Vec<(String, String)>,
    /// Which button of the confirmation page was pressed, if any.
    pressed: Option<String>,
    password: Option<String>,
    headers: HeaderMap,
    client: ClientInfo,
}

impl<T: DeserializeOwned + Send> FromRequest<App> for ConfirmableForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, app: &App) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let user = CurrentUser::from_request_parts(&mut parts, app).await?;
        let Ok(client) = ClientInfo::from_request_parts(&mut parts, app).await;
        let action = parts
            .uri
            .path_and_query()
            .map(|pq| pq.as_str().to_string())
            .unwrap_or_else(|| parts.uri.path().to_string());
        let headers = parts.headers.clone();
        let bytes = read_body(Request::from_parts(parts, body), app)
            .await
            .map_err(IntoResponse::into_response)?;
        let (csrf, form) = parse_form(&bytes).map_err(IntoResponse::into_response)?;
        if user.csrf_token().is_empty() || !tokens::constant_time_eq(&csrf, user.csrf_token()) {
            return Err(expired_form().into_response());
        }
        let mut step = Step {
            action,
            fields: Vec::new(),
            pressed: None,
            password: None,
            headers,
            client,
        };
        for (name, value) in url::form_urlencoded::parse(&bytes).into_owned() {
            match name.as_str() {
                CSRF_FIELD => {}
                STEP_FIELD => step.pressed = Some(value),
                PASSWORD_FIELD => step.password = Some(value),
                _ => step.fields.push((name, value)),
            }
        }
        Ok(ConfirmableForm { user, form, step })
    }
}

/// What the confirmation page tells the person, beyond the question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Notice {
    None,
    WrongPassword,
    LinkSent,
    NotConfirmedYet,
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage<'a> {
    chrome: &'a Chrome,
    csrf: &'a str,
    action: &'a str,
    fields: &'a [(String, String)],
    has_password: bool,
    email: &'a str,
    notice: Notice,
    minutes: i64,
}

impl<T> ConfirmableForm<T> {
    /// `Ok` when the session signed in recently, or when this very submission confirms it (a
    /// right password, or "continue" after the emailed link was opened in this session).
    /// Otherwise the answer to send: the confirmation page (or a refusal, such as 429).
    pub async fn confirmed(&mut self, app: &App) -> Result<(), Response> {
        if self.user.signed_in_recently() {
            return Ok(());
        }
        let chrome = Chrome::new(Some(&self.user), &self.step.headers);
        let Some(session_id) = self.user.session_id() else {
            return Err(error_page(&app.settings, &chrome, token_refusal()));
        };
        let asking = Asking {
            session_id,
            user_id: self.user.id,
            email: &self.user.email,
        };
        let client = &self.step.client;
        let notice = match (self.step.pressed.as_deref(), self.step.password.take()) {
            (Some("password"), Some(password)) if self.user.has_password => {
                match reauth::with_password(&app.db, &app.settings, asking, &password, client).await
                {
                    Ok(true) => {
                        self.mark_confirmed();
                        return Ok(());
                    }
                    Ok(false) => Notice::WrongPassword,
                    Err(error) => return Err(error_page(&app.settings, &chrome, error.into())),
                }
            }
            (Some("email"), _) if !self.user.has_password => {
                let mailer = app.mailer.clone();
                match reauth::send_link(&app.db, mailer, &app.settings, asking, client).await {
                    Ok(()) => Notice::LinkSent,
                    Err(error) => return Err(error_page(&app.settings, &chrome, error.into())),
                }
            }
            (Some("continue"), _) => Notice::NotConfirmedYet,
            _ => Notice::None,
        };
        let status = match notice {
            Notice::WrongPassword => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::OK,
        };
        let page = ConfirmPage {
            chrome: &chrome,
            csrf: self.user.csrf_token(),
            action: &self.step.action,
            fields: &self.step.fields,
            has_password: self.user.has_password,
            email: &self.user.email,
            notice,
            minutes: sessions::RECENT_SIGN_IN.num_minutes(),
        };
        Err(render(&app.settings, &chrome, status, &page))
    }

    /// The session was just confirmed: the rest of this request counts it as recent.
    fn mark_confirmed(&mut self) {
        if let AuthVia::Session {
            authenticated_at, ..
        } = &mut self.user.via
        {
            *authenticated_at = Some(time::now());
        }
    }
}

/// The API's rule for sensitive actions: a session must have signed in (or confirmed) within
/// the last [`sessions::RECENT_SIGN_IN`]; an API token may not take them at all, so a leaked
/// token cannot mint further credentials or change who may do what.
pub fn require_recent(user: &CurrentUser) -> Result<(), AppError> {
    match user.via {
        AuthVia::ApiToken { .. } => Err(token_refusal()),
        AuthVia::Session { .. } if user.signed_in_recently() => Ok(()),
        AuthVia::Session { .. } => Err(AppError::NotAllowed(format!(
            "confirm it's you first: this needs a sign-in within the last {} minutes (sign in \
             again, or take the action on its page, which asks you to confirm)",
            sessions::RECENT_SIGN_IN.num_minutes()
        ))),
    }
}

fn token_refusal() -> AppError {
    AppError::NotAllowed(
        "an API token cannot do this: sign in to OPS Desktop and do it there".to_string(),
    )
}
