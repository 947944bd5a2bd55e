//! People: `GET /api/users` for pickers, and the admin routes to invite and change people.

use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::IntoResponse,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::respond;
use crate::http::api::path_id::IdPath;
use crate::{
    app::App,
    db::entities::user,
    http::{
        error::AppError,
        extract::{ApiJson, CurrentUser, RequireAdmin},
    },
    services::{
        people::{self, PersonChanges},
        signin::ClientInfo,
        users::NewUser,
    },
};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserResponse {
    id: Uuid,
    email: String,
    name: String,
    role: String,
    active: bool,
    created_at: DateTime<Utc>,
    last_sign_in_at: Option<DateTime<Utc>>,
}

impl From<user::Model> for UserResponse {
    fn from(u: user::Model) -> Self {
        UserResponse {
            id: u.id,
            email: u.email,
            name: u.name,
            role: u.role,
            active: u.active,
            created_at: u.created_at,
            last_sign_in_at: u.last_sign_in_at,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UsersQuery {
    #[serde(default)]
    include_inactive: bool,
}

/// `GET /api/users`: active people; admins may add `includeInactive=true`.
#[utoipa::path(get, path = "/api/users", tag = "people", params(("includeInactive" = Option<bool>, Query, description = "Admins only")), responses((status = 200, description = "Active people (for pickers)"), (status = 403, description = "Staff asking for inactive people")))]
pub async fn list_users(
    State(app): State<App>,
    user: CurrentUser,
    Query(query): Query<UsersQuery>,
) -> Result<impl IntoResponse, AppError> {
    if query.include_inactive && !user.is_admin() {
        return Err(AppError::Forbidden);
    }
    let people = people::list(app.db.conn(), query.include_inactive).await?;
    let data: Vec<UserResponse> = people.into_iter().map(Into::into).collect();
    Ok(respond::list(data, None))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    email: String,
    name: String,
    role: String,
}

/// `POST /api/admin/users`: creates the person and emails them a sign-in link.
#[utoipa::path(post, path = "/api/admin/users", tag = "people", responses((status = 201, description = "Created and emailed a sign-in link"), (status = 409, description = "Email in use"), (status = 422, description = "Invalid fields")))]
pub async fn create_user(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    client: ClientInfo,
    ApiJson(body): ApiJson<InviteRequest>,
) -> Result<impl IntoResponse, AppError> {
    let new_user = NewUser {
        email: body.email,
        name: body.name,
        role: body.role,
        password: None,
    };
    let created = people::invite(
        &app.db,
        app.mailer.clone(),
        &app.settings,
        admin.id,
        &client,
        new_user,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        respond::data(UserResponse::from(created)),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchUserRequest {
    name: Option<String>,
    role: Option<String>,
    active: Option<bool>,
}

/// `PATCH /api/admin/users/{id}`
#[utoipa::path(patch, path = "/api/admin/users/{id}", tag = "people", params(("id" = Uuid, Path)), responses((status = 200, description = "Changed; a role change or deactivation ends their sessions"), (status = 409, description = "The last active admin")))]
pub async fn patch_user(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    client: ClientInfo,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<PatchUserRequest>,
) -> Result<impl IntoResponse, AppError> {
    let changes = PersonChanges {
        name: body.name,
        role: body.role,
        active: body.active,
    };
    let updated = people::update(&app.db, admin.id, &client, id, changes).await?;
    Ok(respond::data(UserResponse::from(updated)))
}

/// `POST /api/admin/users/{id}/sessions/revoke`: signs the person out everywhere.
#[utoipa::path(post, path = "/api/admin/users/{id}/sessions/revoke", tag = "people", params(("id" = Uuid, Path)), responses((status = 200, description = "Every session of the person ended: {data: {ended}}"), (status = 404, description = "Unknown person")))]
pub async fn revoke_user_sessions(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    client: ClientInfo,
    IdPath(id): IdPath,
) -> Result<impl IntoResponse, AppError> {
    let ended = people::end_sessions(&app.db, admin.id, &client, id).await?;
    Ok(respond::data(serde_json::json!({ "ended": ended })))
}
