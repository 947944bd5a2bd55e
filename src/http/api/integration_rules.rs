//! `/api/admin/integration-rules` (admins): the rules that decide what incoming events
//! become.

use utoipa_axum::routes;

use crate::http::routes::{Access::*, Routes};
use axum::{extract::State, http::StatusCode, response::IntoResponse};

use super::path_id::IdPath;
use super::respond::{self, Data, Page};
use crate::{
    app::App,
    http::{
        error::AppError,
        extract::{ApiJson, RequireAdmin},
    },
    services::{
        events::rules::{self, RuleInput, RuleView},
        signin::ClientInfo,
    },
};

/// Every rule, in the order they are tried.
#[utoipa::path(get, path = "/api/admin/integration-rules", tag = "events",
    responses((status = 200, body = Page<RuleView>)))]
pub async fn list_integration_rules(
    State(app): State<App>,
    RequireAdmin(_admin): RequireAdmin,
) -> Result<impl IntoResponse, AppError> {
    let data = rules::list(&app.db).await?;
    Ok(respond::list(data, None))
}

/// Create a rule; `name`, `eventType` and `action` are required.
#[utoipa::path(post, path = "/api/admin/integration-rules", tag = "events", request_body = RuleInput,
    responses((status = 201, body = Data<RuleView>)))]
pub async fn create_integration_rule(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    client: ClientInfo,
    ApiJson(body): ApiJson<RuleInput>,
) -> Result<impl IntoResponse, AppError> {
    let rule = rules::create(&app.db, &client.actor_for(&admin), body).await?;
    Ok((StatusCode::CREATED, respond::data(rule)))
}

/// Change a rule: only the fields sent (`templateId: null` clears the template).
#[utoipa::path(patch, path = "/api/admin/integration-rules/{id}", tag = "events", params(("id" = Uuid, Path)),
    request_body = RuleInput,
    responses((status = 200, body = Data<RuleView>), (status = 404, description = "Unknown rule")))]
pub async fn patch_integration_rule(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    client: ClientInfo,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<RuleInput>,
) -> Result<impl IntoResponse, AppError> {
    let rule = rules::update(&app.db, &client.actor_for(&admin), id, body).await?;
    Ok(respond::data(rule))
}

/// Delete a rule.
#[utoipa::path(delete, path = "/api/admin/integration-rules/{id}", tag = "events", params(("id" = Uuid, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, description = "Unknown rule")))]
pub async fn delete_integration_rule(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    client: ClientInfo,
    IdPath(id): IdPath,
) -> Result<impl IntoResponse, AppError> {
    rules::delete(&app.db, &client.actor_for(&admin), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This resource's routes, each with who may use it; paths and methods are those of the
/// handlers' `#[utoipa::path]`.
pub fn routes() -> Routes {
    Routes::new()
        .api(Admin, routes!(list_integration_rules))
        .api(Admin, routes!(create_integration_rule))
        .api(Admin, routes!(patch_integration_rule))
        .api(Admin, routes!(delete_integration_rule))
}
