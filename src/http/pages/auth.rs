//! Sign-in pages: email link, password, link confirmation and sign-out.
//!
//! The emailed link opens a confirmation page whose button posts the token: nothing changes
//! state on GET, and mail scanners that prefetch links cannot use them up.

use askama::Template;
use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::Response,
};
use serde::Deserialize;

use super::{Chrome, MessagePage, error_page, found, redirect_with_flash, render, safe_next};
use crate::{
    app::App,
    auth::tokens,
    domain::user::Email,
    http::{
        cookies,
        error::AppError,
        extract::{AnonForm, CsrfForm, MaybeUser},
    },
    services::{
        demo,
        rate_limits::{self, Attempt, SigninLimits},
        signin::{self, ClientInfo, SignedIn},
    },
};

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage<'a> {
    chrome: &'a Chrome,
    csrf: &'a str,
    next: &'a str,
    email: &'a str,
    error: Option<&'a str>,
    demo_users: Vec<(&'static str, &'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage<'a> {
    chrome: &'a Chrome,
    csrf: &'a str,
    token: &'a str,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// The anonymous CSRF token: the one already in the cookie, or a new one to set.
fn anon_csrf(app: &App, headers: &HeaderMap) -> (String, bool) {
    let name = cookies::anon_csrf_cookie_name(&app.settings);
    match cookies::read(headers, name).filter(|v| v.len() == 64) {
        Some(existing) => (existing, false),
        None => (tokens::generate(""), true),
    }
}

fn with_anon_csrf(app: &App, mut response: Response, csrf: &str, fresh: bool) -> Response {
    if fresh {
        response
            .headers_mut()
            .append(header::SET_COOKIE, cookies::anon_csrf(&app.settings, csrf));
    }
    response
}

fn sign_in_page(
    app: &App,
    headers: &HeaderMap,
    status: StatusCode,
    next: &str,
    email: &str,
    error: Option<&str>,
) -> Response {
    let chrome = Chrome::new(None, headers);
    let (csrf, fresh) = anon_csrf(app, headers);
    let demo_users = if app.settings.demo_mode {
        demo::demo_accounts()
    } else {
        Vec::new()
    };
    let page = SignInPage {
        chrome: &chrome,
        csrf: &csrf,
        next,
        email,
        error,
        demo_users,
    };
    let response = render(&app.settings, &chrome, status, &page);
    with_anon_csrf(app, response, &csrf, fresh)
}

/// `GET /auth/signin`
pub async fn get_signin(
    State(app): State<App>,
    MaybeUser(user): MaybeUser,
    Query(query): Query<NextQuery>,
    headers: HeaderMap,
) -> Response {
    let next = safe_next(query.next.as_deref());
    if user.is_some() {
        return found(&next);
    }
    sign_in_page(&app, &headers, StatusCode::OK, &next, "", None)
}

#[derive(Deserialize)]
pub struct EmailLinkForm {
    email: String,
    next: Option<String>,
}

/// Counts an attempt against the shared sign-in limits (a refusal is audited there).
pub(super) async fn check_limits(
    app: &App,
    attempt: Attempt,
    client: &ClientInfo,
    email: Option<&Email>,
) -> Result<(), AppError> {
    let address = client.ip.as_deref().unwrap_or("-");
    rate_limits::check_attempt(
        &app.db,
        SigninLimits::from_settings(&app.settings),
        attempt,
        email,
        address,
        &client.actor(None),
    )
    .await
    .map_err(AppError::from)
}

/// The address typed into a sign-in form, parsed before it is used for anything. A value
/// that is not an address (an over-long one included) is refused without being echoed back.
fn parse_email(raw: &str) -> Result<Email, &'static str> {
    if raw.len() > MAX_EMAIL_INPUT_BYTES {
        return Err("That is not an email address: an address has at most 254 characters.");
    }
    Email::parse(raw).map_err(|_| "Enter a valid email address, such as name@example.com.")
}

/// Room for a 254-character address and some stray spaces around it.
const MAX_EMAIL_INPUT_BYTES: usize = 300;

/// `POST /auth/signin/email`: the same answer whether or not the account exists.
pub async fn post_signin_email(
    State(app): State<App>,
    client: ClientInfo,
    headers: HeaderMap,
    AnonForm(form): AnonForm<EmailLinkForm>,
) -> Response {
    let chrome = Chrome::new(None, &headers);
    let next = safe_next(form.next.as_deref());
    let email = match parse_email(&form.email) {
        Ok(email) => email,
        Err(problem) => return invalid_email(&app, &headers, &next, &form.email, problem),
    };
    if let Err(error) = check_limits(&app, Attempt::EmailLink, &client, Some(&email)).await {
        return error_page(&app.settings, &chrome, error);
    }
    if let Err(error) = signin::request_link(&app.db, &email).await {
        return error_page(&app.settings, &chrome, error.into());
    }
    let page = MessagePage {
        chrome: &chrome,
        title: "Check your email",
        message: "If an account uses that address, a sign-in link is on its way. It works once, within 10 minutes.",
    };
    render(&app.settings, &chrome, StatusCode::OK, &page)
}

/// The sign-in page again, 422, with the problem and without echoing a long value.
fn invalid_email(app: &App, headers: &HeaderMap, next: &str, raw: &str, problem: &str) -> Response {
    let shown = if raw.len() <= MAX_EMAIL_INPUT_BYTES {
        raw
    } else {
        ""
    };
    sign_in_page(
        app,
        headers,
        StatusCode::UNPROCESSABLE_ENTITY,
        next,
        shown,
        Some(problem),
    )
}

#[derive(Deserialize)]
pub struct PasswordForm {
    email: String,
    password: String,
    next: Option<String>,
}

/// Sets the new session cookie and sends the person on.
fn signed_in(app: &App, done: SignedIn, next: &str) -> Response {
    let mut response = found(next);
    response.headers_mut().append(
        header::SET_COOKIE,
        cookies::session(&app.settings, &done.started.token),
    );
    response
}

fn presented_session(app: &App, headers: &HeaderMap) -> Option<String> {
    cookies::read(headers, cookies::session_cookie_name(&app.settings)).filter(|v| !v.is_empty())
}

/// `POST /auth/signin/password`
pub async fn post_signin_password(
    State(app): State<App>,
    client: ClientInfo,
    headers: HeaderMap,
    AnonForm(form): AnonForm<PasswordForm>,
) -> Response {
    let chrome = Chrome::new(None, &headers);
    let next = safe_next(form.next.as_deref());
    let email = match parse_email(&form.email) {
        Ok(email) => email,
        Err(problem) => return invalid_email(&app, &headers, &next, &form.email, problem),
    };
    if let Err(error) = check_limits(&app, Attempt::Password, &client, Some(&email)).await {
        return error_page(&app.settings, &chrome, error);
    }
    let previous = presented_session(&app, &headers);
    match signin::with_password(
        &app.db,
        app.session_policy(),
        &email,
        &form.password,
        &client,
        previous.as_deref(),
    )
    .await
    {
        Ok(Some(done)) => signed_in(&app, done, &next),
        Ok(None) => sign_in_page(
            &app,
            &headers,
            StatusCode::UNAUTHORIZED,
            &next,
            &form.email,
            Some("That email and password do not match an active account."),
        ),
        Err(error) => error_page(&app.settings, &chrome, error.into()),
    }
}

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

/// `GET /auth/verify?token=`: asks for a click before using the link.
pub async fn get_verify(
    State(app): State<App>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
) -> Response {
    let chrome = Chrome::new(None, &headers);
    let token = query.token.unwrap_or_default();
    // Only something shaped like a link we sent is put into the page.
    if !crate::auth::tokens::is_well_formed(&token, "") {
        return error_page(
            &app.settings,
            &chrome,
            AppError::BadRequest(INVALID_LINK.into()),
        );
    }
    let (csrf, fresh) = anon_csrf(&app, &headers);
    let response = render(
        &app.settings,
        &chrome,
        StatusCode::OK,
        &VerifyPage {
            chrome: &chrome,
            csrf: &csrf,
            token: &token,
        },
    );
    with_anon_csrf(&app, response, &csrf, fresh)
}

const INVALID_LINK: &str =
    "This sign-in link is invalid, already used or expired. Ask for a new one.";

#[derive(Deserialize)]
pub struct VerifyForm {
    token: String,
}

/// `POST /auth/verify`: uses the link and signs in.
pub async fn post_verify(
    State(app): State<App>,
    client: ClientInfo,
    headers: HeaderMap,
    AnonForm(form): AnonForm<VerifyForm>,
) -> Response {
    let chrome = Chrome::new(None, &headers);
    if let Err(error) = check_limits(&app, Attempt::LinkConfirmation, &client, None).await {
        return error_page(&app.settings, &chrome, error);
    }
    let previous = presented_session(&app, &headers);
    match signin::with_link(
        &app.db,
        app.session_policy(),
        &form.token,
        &client,
        previous.as_deref(),
    )
    .await
    {
        Ok(Some(done)) => signed_in(&app, done, "/"),
        Ok(None) => error_page(
            &app.settings,
            &chrome,
            AppError::BadRequest(INVALID_LINK.into()),
        ),
        Err(error) => error_page(&app.settings, &chrome, error.into()),
    }
}

#[derive(Deserialize)]
pub struct EmptyForm {}

/// `POST /auth/signout`
pub async fn post_signout(
    State(app): State<App>,
    client: ClientInfo,
    CsrfForm { user, .. }: CsrfForm<EmptyForm>,
) -> Response {
    if let Some(session_id) = user.session_id()
        && let Err(error) = signin::sign_out(&app.db, user.id, session_id, &client).await
    {
        return AppError::from(error).into_response_page(&app);
    }
    let mut response = redirect_with_flash(&app.settings, "/auth/signin", "You are signed out.");
    response
        .headers_mut()
        .append(header::SET_COOKIE, cookies::clear_session(&app.settings));
    response
}

impl AppError {
    /// This error as an HTML page.
    pub fn into_response_page(self, app: &App) -> Response {
        let chrome = Chrome::new(None, &axum::http::HeaderMap::new());
        error_page(&app.settings, &chrome, self)
    }
}
