//! People: `GET /api/users` for pickers, and the admin routes to invite and change people.

use utoipa_axum::routes;

use crate::http::routes::{Access::*, Routes};
use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::IntoResponse,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::respond::{self, Data, Page};
use crate::http::api::path_id::IdPath;
use crate::{
    app::App,
    db::entities::user,
    domain::user::Role,
    http::{
        error::AppError,
        extract::{ApiJson, CurrentUser, RequireAdmin},
        reauth::require_recent,
    },
    services::{
        people::{self, PersonChanges},
        signin::ClientInfo,
        users::NewUser,
    },
};

/// A person.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserResponse {
    id: Uuid,
    #[schema(format = Email)]
    email: String,
    name: String,
    #[schema(value_type = Role)]
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
#[utoipa::path(get, path = "/api/users", tag = "people", params(("includeInactive" = Option<bool>, Query, description = "Admins only")),
    responses((status = 200, description = "Active people (for pickers)", body = Page<UserResponse>), (status = 403, description = "Staff asking for inactive people")))]
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

/// A person to invite.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    #[schema(format = Email, max_length = 254)]
    email: String,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    name: String,
    #[schema(value_type = Role)]
    role: String,
}

/// `POST /api/admin/users`: creates the person and emails them a sign-in link.
#[utoipa::path(post, path = "/api/admin/users", tag = "people", request_body = InviteRequest,
    responses((status = 201, description = "Created and emailed a sign-in link", body = Data<UserResponse>), (status = 409, description = "Email in use")))]
pub async fn create_user(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    client: ClientInfo,
    ApiJson(body): ApiJson<InviteRequest>,
) -> Result<impl IntoResponse, AppError> {
    if body.role == Role::Admin.as_str() {
        require_recent(&admin)?;
    }
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

/// Changes to a person: only the fields sent.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchUserRequest {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    name: Option<String>,
    #[schema(value_type = Option<Role>)]
    role: Option<String>,
    active: Option<bool>,
}

/// `PATCH /api/admin/users/{id}`
#[utoipa::path(patch, path = "/api/admin/users/{id}", tag = "people", params(("id" = Uuid, Path)), request_body = PatchUserRequest,
    responses((status = 200, description = "Changed; a role change or deactivation ends their sessions", body = Data<UserResponse>), (status = 409, description = "The last active admin")))]
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
    if people::changes_authority(app.db.conn(), id, &changes).await? {
        require_recent(&admin)?;
    }
    let recent = admin.signed_in_recently();
    let updated = people::update(&app.db, admin.id, &client, id, changes, recent).await?;
    Ok(respond::data(UserResponse::from(updated)))
}

/// `POST /api/admin/users/{id}/sessions/revoke`: signs the person out everywhere.
#[utoipa::path(post, path = "/api/admin/users/{id}/sessions/revoke", tag = "people", params(("id" = Uuid, Path)), responses((status = 200, description = "Every session of the person ended", body = Data<super::me::Ended>), (status = 404, description = "Unknown person")))]
pub async fn revoke_user_sessions(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    client: ClientInfo,
    IdPath(id): IdPath,
) -> Result<impl IntoResponse, AppError> {
    require_recent(&admin)?;
    let ended = people::end_sessions(&app.db, admin.id, &client, id).await?;
    Ok(respond::data(super::me::Ended { ended }))
}

/// This resource's routes, each with who may use it; paths and methods are those of the
/// handlers' `#[utoipa::path]`.
pub fn routes() -> Routes {
    Routes::new()
        .api(SignedIn, routes!(list_users))
        .api(Admin, routes!(create_user))
        .api(Admin, routes!(patch_user))
        .api(Admin, routes!(revoke_user_sessions))
}
