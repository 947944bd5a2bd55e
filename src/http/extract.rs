//! Extractors that put access rules in handler signatures: `CurrentUser` (signed in),
//! `RequireAdmin` (signed in as an admin), `CsrfForm` and `AnonForm` (form posts with their
//! CSRF token), `ApiJson` (JSON bodies with the API's error format) and `ClientInfo`.

use std::net::SocketAddr;

use axum::{
    Json,
    body::Bytes,
    extract::{ConnectInfo, FromRequest, FromRequestParts, Request, rejection::JsonRejection},
    http::{Method, header, request::Parts},
    response::{IntoResponse, Response},
};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::{
    client_address::ClientAddress, context, cookies, edge::AccessDenied, error::AppError,
    pages::redirect_with_error,
};
use crate::{
    app::App,
    auth::{api_tokens, sessions, tokens},
    db::entities::user,
    domain::{ids::UserId, user::Role},
    services::{audit::Actor, signin::ClientInfo},
};

/// How the current request proved who it is.
#[derive(Debug, Clone)]
pub enum AuthVia {
    Session {
        session_id: Uuid,
        csrf_token: String,
        /// When the session last proved who it is (sign-in or confirmation).
        authenticated_at: Option<chrono::DateTime<chrono::Utc>>,
    },
    ApiToken {
        token_id: Uuid,
    },
}

/// The signed-in person making the request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub via: AuthVia,
    /// The zone the person chose, if they chose one.
    pub time_zone: Option<chrono_tz::Tz>,
    /// Whether the person can sign in with a password (else only by emailed link).
    pub has_password: bool,
}

impl CurrentUser {
    fn from_model(user: &user::Model, via: AuthVia) -> CurrentUser {
        CurrentUser {
            id: UserId(user.id),
            email: user.email.clone(),
            name: user.name.clone(),
            role: user.role.parse().unwrap_or(Role::Staff),
            via,
            time_zone: user.time_zone.as_deref().and_then(|z| z.parse().ok()),
            has_password: user.password_hash.is_some(),
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The session's CSRF token (absent for API-token requests, which need none).
    pub fn csrf_token(&self) -> &str {
        match &self.via {
            AuthVia::Session { csrf_token, .. } => csrf_token,
            AuthVia::ApiToken { .. } => "",
        }
    }

    /// Whether this request comes from a session that signed in or confirmed who it is within
    /// the last [`sessions::RECENT_SIGN_IN`]. API tokens never count as recent.
    pub fn signed_in_recently(&self) -> bool {
        match &self.via {
            AuthVia::Session {
                authenticated_at, ..
            } => sessions::is_recent(*authenticated_at, crate::db::time::now()),
            AuthVia::ApiToken { .. } => false,
        }
    }

    pub fn session_id(&self) -> Option<Uuid> {
        match &self.via {
            AuthVia::Session { session_id, .. } => Some(*session_id),
            AuthVia::ApiToken { .. } => None,
        }
    }
}

/// Cached in the request's extensions so several extractors resolve the user once.
#[derive(Clone)]
struct Resolved(Option<CurrentUser>);

pub fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// Finds who is signed in: a bearer token on `/api`, else the session cookie.
async fn resolve(parts: &mut Parts, app: &App) -> Result<Option<CurrentUser>, AppError> {
    if let Some(Resolved(known)) = parts.extensions.get::<Resolved>() {
        return Ok(known.clone());
    }
    let api = is_api_path(parts.uri.path());
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.strip_prefix("Bearer ").unwrap_or("").trim().to_string());
    let found = match bearer {
        // A bearer token that does not work is a 401 even if a cookie came along.
        Some(token) if api => match api_tokens::authenticate(&app.db, &token).await? {
            Some((api_token, user)) => Some(CurrentUser::from_model(
                &user,
                AuthVia::ApiToken {
                    token_id: api_token.id,
                },
            )),
            None => return Err(AppError::Unauthorized),
        },
        _ => match cookies::read(&parts.headers, cookies::session_cookie_name(&app.settings)) {
            Some(token) if !token.is_empty() => {
                sessions::authenticate(&app.db, &token, app.session_policy())
                    .await?
                    .map(|found| {
                        CurrentUser::from_model(
                            &found.user,
                            AuthVia::Session {
                                session_id: found.session.id,
                                csrf_token: found.session.csrf_token,
                                authenticated_at: found.session.authenticated_at,
                            },
                        )
                    })
            }
            _ => None,
        },
    };
    if let Some(user) = &found {
        context::record_user(&user.id.to_string());
    }
    parts.extensions.insert(Resolved(found.clone()));
    Ok(found)
}

/// Where a signed-out visitor is sent: the sign-in page, remembering the page they wanted.
fn sign_in_redirect(parts: &Parts) -> Response {
    let wanted = parts
        .uri
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_else(|| "/".to_string());
    let next: String = url::form_urlencoded::byte_serialize(wanted.as_bytes()).collect();
    super::pages::found(&format!("/auth/signin?next={next}"))
}

impl FromRequestParts<App> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let api = is_api_path(parts.uri.path());
        let user = match resolve(parts, app).await {
            Ok(Some(user)) => user,
            Ok(None) if api => return Err(AppError::Unauthorized.into_response()),
            Ok(None) => return Err(sign_in_redirect(parts)),
            Err(error) => return Err(error.into_response()),
        };
        if api {
            check_cookie_api_write(parts, app, &user).map_err(IntoResponse::into_response)?;
            if let Err(wait) = app.limits.api.check(&format!("api:{}", user.id)) {
                return Err(AppError::RateLimited {
                    retry_after_secs: wait.as_secs(),
                }
                .into_response());
            }
        }
        Ok(user)
    }
}

/// Cookie-authenticated API writes must be JSON from our own origin: a cross-site form cannot
/// send JSON, and a cross-site script cannot forge `Origin`.
fn check_cookie_api_write(parts: &Parts, app: &App, user: &CurrentUser) -> Result<(), AppError> {
    let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || matches!(user.via, AuthVia::ApiToken { .. }) {
        return Ok(());
    }
    let origin = parts
        .headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok());
    let expected = app.settings.auth_url.origin().ascii_serialization();
    if origin != Some(expected.as_str()) {
        return Err(AppError::Forbidden);
    }
    // A bodyless write (a revoke, a sign-out-everywhere) has nothing to be JSON.
    let has_body = parts.headers.contains_key(header::CONTENT_TYPE)
        || parts.headers.contains_key(header::TRANSFER_ENCODING)
        || parts
            .headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v != "0");
    let json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if has_body && !json {
        return Err(AppError::UnsupportedMediaType(
            "send JSON with Content-Type: application/json".to_string(),
        ));
    }
    Ok(())
}

/// A signed-in admin. Staff get 403 on the API and are sent home with a message on pages.
#[derive(Debug, Clone)]
pub struct RequireAdmin(pub CurrentUser);

impl FromRequestParts<App> for RequireAdmin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let user = CurrentUser::from_request_parts(parts, app).await?;
        if user.is_admin() {
            Ok(RequireAdmin(user))
        } else if is_api_path(parts.uri.path()) {
            Err(AppError::Forbidden.into_response())
        } else {
            let mut home = redirect_with_error(&app.settings, "/", "That page is for admins only.");
            home.extensions_mut().insert(AccessDenied);
            Err(home)
        }
    }
}

/// The signed-in person, if any (pages such as sign-in that work either way).
pub struct MaybeUser(pub Option<CurrentUser>);

impl FromRequestParts<App> for MaybeUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        resolve(parts, app)
            .await
            .map(MaybeUser)
            .map_err(IntoResponse::into_response)
    }
}

impl FromRequestParts<App> for ClientInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _app: &App) -> Result<Self, Self::Rejection> {
        // The address `observe` worked out (forwarding headers count only from trusted
        // proxies); the bare peer when the request did not pass through it.
        let ip = match parts.extensions.get::<ClientAddress>() {
            Some(ClientAddress(address)) => Some(address.to_string()),
            None => parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip().to_canonical().to_string()),
        };
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        Ok(ClientInfo {
            ip,
            user_agent,
            request_id: context::current_request_id(),
        })
    }
}

impl ClientInfo {
    /// The audit actor for `user` acting from this client.
    pub fn actor_for(&self, user: &CurrentUser) -> Actor {
        Actor {
            user_id: Some(user.id),
            ip: self.ip.clone(),
            request_id: self.request_id.clone(),
        }
    }
}

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

pub(super) fn parse_form<T: DeserializeOwned>(bytes: &Bytes) -> Result<(String, T), AppError> {
    let CsrfField { csrf } = serde_urlencoded::from_bytes(bytes)
        .map_err(|_| AppError::BadRequest("the form could not be read".to_string()))?;
    let form = serde_urlencoded::from_bytes(bytes)
        .map_err(|error| AppError::BadRequest(format!("the form could not be read: {error}")))?;
    Ok((csrf, form))
}

pub(super) async fn read_body(request: Request, app: &App) -> Result<Bytes, AppError> {
    Bytes::from_request(request, app)
        .await
        .map_err(|_| AppError::PayloadTooLarge)
}

pub(super) fn expired_form() -> AppError {
    AppError::BadRequest("This form has expired. Go back, reload the page and try again.".into())
}

/// A form posted by a signed-in person, with its CSRF token checked against the session.
pub struct CsrfForm<T> {
    pub user: CurrentUser,
    pub form: T,
}

impl<T: DeserializeOwned + Send> FromRequest<App> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, app: &App) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let user = CurrentUser::from_request_parts(&mut parts, app).await?;
        let bytes = read_body(Request::from_parts(parts, body), app)
            .await
            .map_err(IntoResponse::into_response)?;
        let (csrf, form) = parse_form(&bytes).map_err(IntoResponse::into_response)?;
        if user.csrf_token().is_empty() || !tokens::constant_time_eq(&csrf, user.csrf_token()) {
            return Err(expired_form().into_response());
        }
        Ok(CsrfForm { user, form })
    }
}

/// A form posted before signing in: its `_csrf` must match the anonymous CSRF cookie set when
/// the form was shown (a cross-site page can read neither).
pub struct AnonForm<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<App> for AnonForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, app: &App) -> Result<Self, Self::Rejection> {
        let expected = cookies::read(
            request.headers(),
            cookies::anon_csrf_cookie_name(&app.settings),
        )
        .unwrap_or_default();
        let bytes = read_body(request, app)
            .await
            .map_err(IntoResponse::into_response)?;
        let (csrf, form) = parse_form(&bytes).map_err(IntoResponse::into_response)?;
        if expected.is_empty() || !tokens::constant_time_eq(&csrf, &expected) {
            return Err(expired_form().into_response());
        }
        Ok(AnonForm(form))
    }
}

/// A JSON object body, with failures in the API's format: 415 without a JSON content type,
/// 400 for malformed JSON, 422 (with the reason) for the wrong shape, 413 when too large.
/// Every request body of the API is an object; serde would also read a struct from an array
/// (`[null, null]`), which no client means, so anything but an object is refused first.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<App> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, app: &App) -> Result<Self, Self::Rejection> {
        let shape_error = |reason: String| {
            let mut details = crate::domain::FieldErrors::default();
            details.add("body", reason);
            AppError::Validation(details)
        };
        match Json::<serde_json::Value>::from_request(request, app).await {
            Ok(Json(value)) if !value.is_object() => {
                Err(shape_error("the body must be a JSON object".to_string()))
            }
            Ok(Json(value)) => serde_json::from_value(value)
                .map(ApiJson)
                .map_err(|error| shape_error(error.to_string())),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(AppError::UnsupportedMediaType(
                "send JSON with Content-Type: application/json".to_string(),
            )),
            Err(JsonRejection::JsonSyntaxError(_)) => Err(AppError::BadRequest(
                "the request body is not valid JSON".to_string(),
            )),
            Err(JsonRejection::JsonDataError(error)) => Err(shape_error(error.body_text())),
            Err(JsonRejection::BytesRejection(_)) => Err(AppError::PayloadTooLarge),
            Err(other) => Err(AppError::BadRequest(other.body_text())),
        }
    }
}
