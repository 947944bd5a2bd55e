//! The profile page: one's own sessions, API tokens and password.

use askama::Template;
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::Response,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::{Chrome, error_page, redirect_with_flash, render};
use crate::http::api::path_id::IdPath;
use crate::{
    app::App,
    auth::{api_tokens, sessions},
    http::{
        cookies,
        error::AppError,
        extract::{CsrfForm, CurrentUser},
        pages::auth::EmptyForm,
        reauth::ConfirmableForm,
    },
    services::{
        ServiceError,
        calendar_feeds::{self, FeedView, NewFeed},
        email_notifications::{self, EmailPreferences, PreferencesInput},
        signin::ClientInfo,
        users,
    },
};

struct SessionRow {
    id: Uuid,
    created: String,
    last_seen: String,
    client: String,
    current: bool,
}

struct TokenRow {
    id: Uuid,
    name: String,
    created: String,
    last_used: String,
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage<'a> {
    chrome: &'a Chrome,
    email: &'a str,
    csrf: &'a str,
    sessions: Vec<SessionRow>,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    has_password: bool,
    /// Email notification choices and calendar feeds.
    spine: ProfileSpine,
}

/// The profile's email-notification form and calendar feeds.
struct ProfileSpine {
    email: EmailPreferences,
    timezone: String,
    zones: Vec<&'static str>,
    hours: Vec<(u32, String)>,
    feeds: Vec<FeedView>,
    new_feed_url: Option<String>,
}

impl ProfileSpine {
    async fn load(
        app: &App,
        user: &CurrentUser,
        new_feed_url: Option<String>,
    ) -> Result<ProfileSpine, ServiceError> {
        Ok(ProfileSpine {
            email: email_notifications::preferences(app.db.conn(), user.id).await?,
            timezone: super::zone(app, user).name().to_string(),
            zones: crate::services::time_zones::names().collect(),
            hours: (0..24).map(|h| (h, format!("{h:02}:00"))).collect(),
            feeds: calendar_feeds::list(app.db.conn(), user.id).await?,
            new_feed_url,
        })
    }

    fn mode_is(&self, mode: &str) -> bool {
        self.email.mode.as_str() == mode
    }
}

async fn profile_page(
    app: &App,
    user: &CurrentUser,
    headers: &HeaderMap,
    new_token: Option<String>,
    new_feed_url: Option<String>,
) -> Result<Response, ServiceError> {
    let spine = ProfileSpine::load(app, user, new_feed_url).await?;
    let session_rows = sessions::list(app.db.conn(), user.id).await?;
    let token_rows = api_tokens::list(app.db.conn(), user.id).await?;
    let account = users::find_by_id(app.db.conn(), user.id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let chrome = Chrome::load(app, user, headers, "profile").await;
    let tz = super::zone(app, user);
    let when = |at: DateTime<Utc>| super::present::local(at, tz);
    let page = ProfilePage {
        chrome: &chrome,
        email: &user.email,
        csrf: user.csrf_token(),
        sessions: session_rows
            .into_iter()
            .map(|s| SessionRow {
                id: s.id,
                created: when(s.created_at),
                last_seen: when(s.last_seen_at),
                client: [s.ip.unwrap_or_default(), s.user_agent.unwrap_or_default()]
                    .join(" ")
                    .trim()
                    .to_string(),
                current: user.session_id() == Some(s.id),
            })
            .collect(),
        tokens: token_rows
            .into_iter()
            .map(|t| TokenRow {
                id: t.id,
                name: t.name,
                created: when(t.created_at),
                last_used: t
                    .last_used_at
                    .map(when)
                    .unwrap_or_else(|| "never".to_string()),
            })
            .collect(),
        new_token,
        has_password: account.password_hash.is_some(),
        spine,
    };
    Ok(render(&app.settings, &chrome, StatusCode::OK, &page))
}

fn page_or_error(
    app: &App,
    user: &CurrentUser,
    headers: &HeaderMap,
    result: Result<Response, ServiceError>,
) -> Response {
    result.unwrap_or_else(|error| {
        error_page(
            &app.settings,
            &Chrome::new(Some(user), headers),
            error.into(),
        )
    })
}

/// `GET /profile`
pub async fn get_profile(
    State(app): State<App>,
    user: CurrentUser,
    headers: HeaderMap,
) -> Response {
    let result = profile_page(&app, &user, &headers, None, None).await;
    page_or_error(&app, &user, &headers, result)
}

#[derive(Deserialize)]
pub struct TokenForm {
    name: String,
}

/// `POST /profile/tokens`: creates a token and shows it once.
pub async fn post_profile_token(
    State(app): State<App>,
    client: ClientInfo,
    headers: HeaderMap,
    mut sent: ConfirmableForm<TokenForm>,
) -> Response {
    if let Err(page) = sent.confirmed(&app).await {
        return page;
    }
    let ConfirmableForm { user, form, .. } = sent;
    let result =
        match api_tokens::create(&app.db, &client.actor_for(&user), user.id, &form.name).await {
            Ok((token, _)) => profile_page(&app, &user, &headers, Some(token), None).await,
            Err(error) => Err(error),
        };
    page_or_error(&app, &user, &headers, result)
}

/// `POST /profile/tokens/{id}/revoke`
pub async fn post_profile_token_revoke(
    State(app): State<App>,
    IdPath(id): IdPath,
    client: ClientInfo,
    headers: HeaderMap,
    CsrfForm { user, .. }: CsrfForm<EmptyForm>,
) -> Response {
    match api_tokens::revoke(&app.db, &client.actor_for(&user), user.id, id).await {
        Ok(()) => redirect_with_flash(&app.settings, "/profile", "The token is revoked."),
        Err(error) => error_page(
            &app.settings,
            &Chrome::new(Some(&user), &headers),
            error.into(),
        ),
    }
}

/// `POST /profile/sessions/{id}/revoke`
pub async fn post_profile_session_revoke(
    State(app): State<App>,
    IdPath(id): IdPath,
    headers: HeaderMap,
    CsrfForm { user, .. }: CsrfForm<EmptyForm>,
) -> Response {
    match sessions::end_own(app.db.conn(), user.id, id).await {
        Ok(true) if user.session_id() == Some(id) => signed_out(&app, "You are signed out."),
        Ok(true) => redirect_with_flash(&app.settings, "/profile", "That session is signed out."),
        Ok(false) => error_page(
            &app.settings,
            &Chrome::new(Some(&user), &headers),
            AppError::NotFound,
        ),
        Err(error) => error_page(
            &app.settings,
            &Chrome::new(Some(&user), &headers),
            error.into(),
        ),
    }
}

/// `POST /profile/sessions/revoke-all`: "sign out everywhere", this browser included.
pub async fn post_profile_sessions_revoke_all(
    State(app): State<App>,
    headers: HeaderMap,
    CsrfForm { user, .. }: CsrfForm<EmptyForm>,
) -> Response {
    match sessions::end_all(app.db.conn(), user.id).await {
        Ok(_) => signed_out(&app, "You are signed out everywhere."),
        Err(error) => error_page(
            &app.settings,
            &Chrome::new(Some(&user), &headers),
            error.into(),
        ),
    }
}

fn signed_out(app: &App, message: &str) -> Response {
    let mut response = redirect_with_flash(&app.settings, "/auth/signin", message);
    response
        .headers_mut()
        .append(header::SET_COOKIE, cookies::clear_session(&app.settings));
    response
}

#[derive(Deserialize)]
pub struct PasswordChangeForm {
    current_password: Option<String>,
    new_password: String,
    /// The checkbox "also revoke my API tokens".
    revoke_tokens: Option<String>,
}

/// `POST /profile/password`: every other session ends; API tokens too when asked.
pub async fn post_profile_password(
    State(app): State<App>,
    client: ClientInfo,
    headers: HeaderMap,
    mut sent: ConfirmableForm<PasswordChangeForm>,
) -> Response {
    // With a password, the current one typed into this form is the confirmation (checked
    // below, under the sign-in limits); without one, setting a first password is confirmed
    // like any other sensitive change.
    if !sent.user.has_password
        && let Err(page) = sent.confirmed(&app).await
    {
        return page;
    }
    let ConfirmableForm { user, form, .. } = sent;
    if user.has_password
        && let Err(error) = super::auth::check_limits(
            &app,
            crate::services::rate_limits::Attempt::Password,
            &client,
            crate::domain::user::Email::parse(&user.email).ok().as_ref(),
        )
        .await
    {
        return error_page(&app.settings, &Chrome::new(Some(&user), &headers), error);
    }
    let change = users::PasswordChange {
        current: form.current_password.as_deref(),
        new_password: &form.new_password,
        revoke_tokens: form.revoke_tokens.as_deref() == Some("true"),
    };
    let outcome =
        users::change_password(&app.db, &client.actor_for(&user), user.session_id(), change).await;
    match outcome {
        Ok(changed) => {
            let mut message = format!(
                "Your password is saved. Other sessions signed out: {}.",
                changed.sessions_ended
            );
            if change.revoke_tokens {
                message.push_str(&format!(" API tokens revoked: {}.", changed.tokens_revoked));
            }
            redirect_with_flash(&app.settings, "/profile", &message)
        }
        Err(error) => error_page(
            &app.settings,
            &Chrome::new(Some(&user), &headers),
            error.into(),
        ),
    }
}

/// The email-notification form: a mode, a digest hour and a checkbox per kind.
#[derive(Deserialize)]
pub struct NotificationsForm {
    mode: String,
    digest_hour: String,
    on_waiting: Option<String>,
    on_mention: Option<String>,
    on_assigned: Option<String>,
    on_changes_requested: Option<String>,
    on_client_reply: Option<String>,
    on_overdue: Option<String>,
}

/// `POST /profile/notifications`: saves one's email-notification choices.
pub async fn post_profile_notifications(
    State(app): State<App>,
    client: ClientInfo,
    headers: HeaderMap,
    CsrfForm { user, form }: CsrfForm<NotificationsForm>,
) -> Response {
    let kinds = [
        ("WAITING", &form.on_waiting),
        ("MENTION", &form.on_mention),
        ("ASSIGNED", &form.on_assigned),
        ("CHANGES_REQUESTED", &form.on_changes_requested),
        ("CLIENT_REPLY", &form.on_client_reply),
        ("OVERDUE", &form.on_overdue),
    ]
    .into_iter()
    .filter(|(_, ticked)| ticked.is_some())
    .map(|(kind, _)| kind.to_string())
    .collect();
    let input = PreferencesInput {
        mode: form.mode,
        digest_hour: form.digest_hour,
        kinds,
    };
    let actor = client.actor_for(&user);
    match email_notifications::save_preferences(&app.db, &actor, user.id, &input).await {
        Ok(_) => redirect_with_flash(&app.settings, "/profile", "Your email choices are saved."),
        Err(error) => error_page(
            &app.settings,
            &Chrome::new(Some(&user), &headers),
            error.into(),
        ),
    }
}

/// The new-feed form.
#[derive(Deserialize)]
pub struct CalendarFeedForm {
    name: Option<String>,
    scope: Option<String>,
}

/// `POST /profile/calendar-feeds`: creates a feed and shows its private URL once.
pub async fn post_profile_calendar_feed(
    State(app): State<App>,
    client: ClientInfo,
    headers: HeaderMap,
    mut sent: ConfirmableForm<CalendarFeedForm>,
) -> Response {
    if let Err(page) = sent.confirmed(&app).await {
        return page;
    }
    let ConfirmableForm { user, form, .. } = sent;
    let input = NewFeed {
        name: form.name,
        scope: form.scope,
    };
    let actor = client.actor_for(&user);
    let result = match calendar_feeds::create(&app.db, &actor, &app.settings, user.id, input).await
    {
        Ok(feed) => profile_page(&app, &user, &headers, None, Some(feed.url)).await,
        Err(error) => Err(error),
    };
    page_or_error(&app, &user, &headers, result)
}

/// `POST /profile/calendar-feeds/{id}/revoke`: the feed's URL stops working at once.
pub async fn post_profile_calendar_feed_revoke(
    State(app): State<App>,
    IdPath(id): IdPath,
    client: ClientInfo,
    headers: HeaderMap,
    CsrfForm { user, .. }: CsrfForm<EmptyForm>,
) -> Response {
    match calendar_feeds::revoke(&app.db, &client.actor_for(&user), user.id, id).await {
        Ok(()) => redirect_with_flash(&app.settings, "/profile", "The calendar feed is revoked."),
        Err(error) => error_page(
            &app.settings,
            &Chrome::new(Some(&user), &headers),
            error.into(),
        ),
    }
}
