//! `/api/cadences`: everyone lists, reads and previews cadences; admins create, change, pause
//! (`active: false`) and delete them.

use utoipa_axum::routes;

use crate::http::routes::{Access::*, Routes};
use axum::{
    extract::{RawQuery, State},
    http::StatusCode,
    response::IntoResponse,
};

use super::respond::{self, Data, Page};
use super::{path_id::IdPath, query::query_pairs};
use crate::{
    app::App,
    db::time,
    domain::local_day_start,
    http::{
        error::AppError,
        extract::{ApiJson, CurrentUser, RequireAdmin},
    },
    services::{
        cadences::{self, CadenceInput, CadenceView, PreviewView},
        signin::ClientInfo,
    },
};

/// Every cadence by name.
#[utoipa::path(get, path = "/api/cadences", tag = "cadences",
    responses((status = 200, body = Page<CadenceView>)))]
pub async fn list_cadences(
    State(app): State<App>,
    _user: CurrentUser,
) -> Result<impl IntoResponse, AppError> {
    let data = cadences::list(&app.db).await?;
    Ok(respond::list(data, None))
}

/// One cadence.
#[utoipa::path(get, path = "/api/cadences/{id}", tag = "cadences", params(("id" = Uuid, Path)),
    responses((status = 200, body = Data<CadenceView>)))]
pub async fn get_cadence(
    State(app): State<App>,
    _user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<impl IntoResponse, AppError> {
    Ok(respond::data(cadences::get(&app.db, id).await?))
}

/// Create a cadence (admins). A bad recurrence rule is a 422 that says what is wrong with it.
#[utoipa::path(post, path = "/api/cadences", tag = "cadences", request_body = CadenceInput,
    responses((status = 201, description = "Created", body = Data<CadenceView>), (status = 409, description = "Slug taken")))]
pub async fn create_cadence(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    client: ClientInfo,
    ApiJson(body): ApiJson<CadenceInput>,
) -> Result<impl IntoResponse, AppError> {
    let actor = client.actor_for(&admin);
    let created = cadences::create(&app.db, &actor, app.settings.timezone, body).await?;
    Ok((StatusCode::CREATED, respond::data(created)))
}

/// Change a cadence (admins): only the fields sent; items already created are not touched.
#[utoipa::path(patch, path = "/api/cadences/{id}", tag = "cadences", params(("id" = Uuid, Path)), request_body = CadenceInput,
    responses((status = 200, body = Data<CadenceView>)))]
pub async fn patch_cadence(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    client: ClientInfo,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<CadenceInput>,
) -> Result<impl IntoResponse, AppError> {
    let actor = client.actor_for(&admin);
    let updated = cadences::update(&app.db, &actor, app.settings.timezone, id, body).await?;
    Ok(respond::data(updated))
}

/// Delete a cadence (admins). The items it created stay.
#[utoipa::path(delete, path = "/api/cadences/{id}", tag = "cadences", params(("id" = Uuid, Path)),
    responses((status = 204, description = "Deleted")))]
pub async fn delete_cadence(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    client: ClientInfo,
    IdPath(id): IdPath,
) -> Result<impl IntoResponse, AppError> {
    cadences::delete(&app.db, &client.actor_for(&admin), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The next occurrences of a cadence in `OPS_TIMEZONE`: `count` (1–100, default 10) from now,
/// or from the start of the local day `from` (`YYYY-MM-DD`). Each says whether its item exists.
#[utoipa::path(get, path = "/api/cadences/{id}/preview", tag = "cadences",
    params(("id" = Uuid, Path), ("count" = Option<u16>, Query, minimum = 1, maximum = 100), ("from" = Option<String>, Query, format = Date)),
    responses((status = 200, body = Data<PreviewView>)))]
pub async fn preview_cadence(
    State(app): State<App>,
    _user: CurrentUser,
    IdPath(id): IdPath,
    RawQuery(raw): RawQuery,
) -> Result<impl IntoResponse, AppError> {
    let (count, from) = cadences::parse_preview_params(&query_pairs(raw)?)?;
    let tz = app.settings.timezone;
    let from = match from {
        Some(day) => local_day_start(day, tz).unwrap_or_else(time::now),
        None => time::now(),
    };
    let preview = cadences::preview(&app.db, tz, id, count, from).await?;
    Ok(respond::data(preview))
}

/// This resource's routes, each with who may use it; paths and methods are those of the
/// handlers' `#[utoipa::path]`.
pub fn routes() -> Routes {
    Routes::new()
        .api(SignedIn, routes!(list_cadences))
        .api(Admin, routes!(create_cadence))
        .api(SignedIn, routes!(get_cadence))
        .api(Admin, routes!(patch_cadence))
        .api(Admin, routes!(delete_cadence))
        .api(SignedIn, routes!(preview_cadence))
}
