//! `/api/templates`: everyone lists and reads templates; admins create, change and delete them.

use utoipa_axum::routes;

use crate::http::routes::{Access::*, Routes};
use axum::{extract::State, http::StatusCode, response::IntoResponse};

use super::respond::{self, Data, Page};
use crate::http::api::path_id::IdPath;
use crate::{
    app::App,
    domain::ids::TemplateId,
    http::{
        error::AppError,
        extract::{ApiJson, CurrentUser, RequireAdmin},
    },
    services::{
        signin::ClientInfo,
        templates::{self, TemplateInput, TemplateView},
    },
};

/// Every template by name, each with its subtasks.
#[utoipa::path(get, path = "/api/templates", tag = "templates",
    responses((status = 200, body = Page<TemplateView>)))]
pub async fn list_templates(
    State(app): State<App>,
    _user: CurrentUser,
) -> Result<impl IntoResponse, AppError> {
    let data = templates::list(&app.db).await?;
    Ok(respond::list(data, None))
}

/// One template with its subtasks.
#[utoipa::path(get, path = "/api/templates/{id}", tag = "templates", params(("id" = Uuid, Path)),
    responses((status = 200, body = Data<TemplateView>)))]
pub async fn get_template(
    State(app): State<App>,
    _user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<impl IntoResponse, AppError> {
    let template = templates::get(&app.db, TemplateId(id)).await?;
    Ok(respond::data(template))
}

/// Create a template (admins); `name` and `type` are required.
#[utoipa::path(post, path = "/api/templates", tag = "templates", request_body = TemplateInput,
    responses((status = 201, description = "Created", body = Data<TemplateView>)))]
pub async fn create_template(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    client: ClientInfo,
    ApiJson(body): ApiJson<TemplateInput>,
) -> Result<impl IntoResponse, AppError> {
    let created = templates::create(&app.db, &client.actor_for(&admin), body).await?;
    Ok((StatusCode::CREATED, respond::data(created)))
}

/// Change a template (admins): only the fields sent change; `subtasks` replaces them all.
#[utoipa::path(patch, path = "/api/templates/{id}", tag = "templates", params(("id" = Uuid, Path)), request_body = TemplateInput,
    responses((status = 200, body = Data<TemplateView>)))]
pub async fn patch_template(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    client: ClientInfo,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<TemplateInput>,
) -> Result<impl IntoResponse, AppError> {
    let updated =
        templates::update(&app.db, &client.actor_for(&admin), TemplateId(id), body).await?;
    Ok(respond::data(updated))
}

/// Delete a template (admins). Items made from it keep existing; a template a cadence uses
/// cannot be deleted (409).
#[utoipa::path(delete, path = "/api/templates/{id}", tag = "templates", params(("id" = Uuid, Path)),
    responses((status = 204, description = "Deleted"), (status = 409, description = "Used by a cadence")))]
pub async fn delete_template(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    client: ClientInfo,
    IdPath(id): IdPath,
) -> Result<impl IntoResponse, AppError> {
    templates::delete(&app.db, &client.actor_for(&admin), TemplateId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This resource's routes, each with who may use it; paths and methods are those of the
/// handlers' `#[utoipa::path]`.
pub fn routes() -> Routes {
    Routes::new()
        .api(SignedIn, routes!(list_templates))
        .api(Admin, routes!(create_template))
        .api(SignedIn, routes!(get_template))
        .api(Admin, routes!(patch_template))
        .api(Admin, routes!(delete_template))
}
