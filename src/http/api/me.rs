//! `GET /api/me`, the API token routes and the session routes: one's own access.

use utoipa_axum::routes;

use crate::http::routes::{Access::*, Routes};
use axum::{extract::State, http::StatusCode, response::IntoResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::respond::{self, Data, Page};
use crate::http::api::path_id::IdPath;
use crate::{
    app::App,
    auth::{api_tokens, sessions},
    domain::user::Role,
    http::{
        error::AppError,
        extract::{ApiJson, CurrentUser},
    },
    services::signin::ClientInfo,
};

/// Who is signed in.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeResponse {
    id: Uuid,
    #[schema(format = Email)]
    email: String,
    name: String,
    role: Role,
    /// For pages' scripts: the token that cookie-authenticated form posts must carry.
    csrf_token: Option<String>,
}

/// `GET /api/me`
#[utoipa::path(get, path = "/api/me", tag = "me", responses((status = 200, description = "Who is signed in, with the session CSRF token", body = Data<MeResponse>)))]
pub async fn get_me(user: CurrentUser) -> impl IntoResponse {
    let csrf = Some(user.csrf_token().to_string()).filter(|t| !t.is_empty());
    respond::data(MeResponse {
        id: user.id.0,
        email: user.email.clone(),
        name: user.name.clone(),
        role: user.role,
        csrf_token: csrf,
    })
}

/// An API token; its value only in the answer that created it.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenResponse {
    id: Uuid,
    name: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    token: Option<String>,
}

/// `GET /api/tokens`
#[utoipa::path(get, path = "/api/tokens", tag = "me", responses((status = 200, description = "Own API tokens (never their values)", body = Page<TokenResponse>)))]
pub async fn list_tokens(
    State(app): State<App>,
    user: CurrentUser,
) -> Result<impl IntoResponse, AppError> {
    let tokens = api_tokens::list(app.db.conn(), user.id).await?;
    let data: Vec<_> = tokens
        .into_iter()
        .map(|t| TokenResponse {
            id: t.id,
            name: t.name,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            token: None,
        })
        .collect();
    Ok(respond::list(data, None))
}

/// A new API token.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenRequest {
    /// 1–100 characters (trimmed), none of them invisible or reordering the text.
    #[schema(min_length = 1, max_length = 100, pattern = "(credential-name)")]
    name: String,
}

/// `POST /api/tokens`: the token appears in this response and never again.
#[utoipa::path(post, path = "/api/tokens", tag = "me", request_body = NewTokenRequest,
    responses((status = 201, description = "The token, shown this once", body = Data<TokenResponse>)))]
pub async fn create_token(
    State(app): State<App>,
    user: CurrentUser,
    client: ClientInfo,
    ApiJson(body): ApiJson<NewTokenRequest>,
) -> Result<impl IntoResponse, AppError> {
    // A token cannot mint tokens, and a session left open must have signed in recently.
    crate::http::reauth::require_recent(&user)?;
    let (token, model) =
        api_tokens::create(&app.db, &client.actor_for(&user), user.id, &body.name).await?;
    let data = TokenResponse {
        id: model.id,
        name: model.name,
        created_at: model.created_at,
        last_used_at: None,
        token: Some(token),
    };
    Ok((StatusCode::CREATED, respond::data(data)))
}

/// `DELETE /api/tokens/{id}`
#[utoipa::path(delete, path = "/api/tokens/{id}", tag = "me", params(("id" = Uuid, Path)), responses((status = 204, description = "Revoked"), (status = 404, description = "Not yours, or unknown")))]
pub async fn delete_token(
    State(app): State<App>,
    user: CurrentUser,
    client: ClientInfo,
    IdPath(id): IdPath,
) -> Result<impl IntoResponse, AppError> {
    api_tokens::revoke(&app.db, &client.actor_for(&user), user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A signed-in session.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionResponse {
    id: Uuid,
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    ip: Option<String>,
    user_agent: Option<String>,
    current: bool,
}

/// `GET /api/sessions`
#[utoipa::path(get, path = "/api/sessions", tag = "me", responses((status = 200, description = "Own sessions, the current one marked", body = Page<SessionResponse>)))]
pub async fn list_sessions(
    State(app): State<App>,
    user: CurrentUser,
) -> Result<impl IntoResponse, AppError> {
    let rows = sessions::list(app.db.conn(), user.id).await?;
    let data: Vec<_> = rows
        .into_iter()
        .map(|s| SessionResponse {
            current: user.session_id() == Some(s.id),
            id: s.id,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            expires_at: s.expires_at,
            ip: s.ip,
            user_agent: s.user_agent,
        })
        .collect();
    Ok(respond::list(data, None))
}

/// `DELETE /api/sessions/{id}`
#[utoipa::path(delete, path = "/api/sessions/{id}", tag = "me", params(("id" = Uuid, Path)), responses((status = 204, description = "Signed out"), (status = 404, description = "Not yours, or unknown")))]
pub async fn delete_session(
    State(app): State<App>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<impl IntoResponse, AppError> {
    if sessions::end_own(app.db.conn(), user.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}

/// `POST /api/sessions/revoke-all`: ends every session of the caller.
#[utoipa::path(post, path = "/api/sessions/revoke-all", tag = "me", responses((status = 200, description = "Every own session ended", body = Data<Ended>)))]
pub async fn revoke_all_sessions(
    State(app): State<App>,
    user: CurrentUser,
) -> Result<impl IntoResponse, AppError> {
    let ended = sessions::end_all(app.db.conn(), user.id).await?;
    Ok(respond::data(Ended { ended }))
}

/// How many sessions were ended.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Ended {
    pub ended: u64,
}

/// This resource's routes, each with who may use it; paths and methods are those of the
/// handlers' `#[utoipa::path]`.
pub fn routes() -> Routes {
    Routes::new()
        .api(SignedIn, routes!(get_me))
        .api(SignedIn, routes!(list_tokens))
        .api(SignedIn, routes!(create_token))
        .api(SignedIn, routes!(delete_token))
        .api(SignedIn, routes!(list_sessions))
        .api(SignedIn, routes!(delete_session))
        .api(SignedIn, routes!(revoke_all_sessions))
}
