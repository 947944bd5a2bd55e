//! `/api/work-items`: create, read, change, delete; history; the QC panel.

use utoipa_axum::routes;

use super::respond::{self, Data, Page};
use crate::http::api::path_id::ItemPath;
use crate::http::pages::zone;
use crate::http::routes::{Access::*, Routes};
use crate::{
    app::App,
    http::{
        error::AppError,
        extract::{ApiJson, CurrentUser, RequireAdmin},
    },
    services::{
        signin::ClientInfo,
        work_items::{
            self, WorkItemView,
            input::{NewWorkItem, WorkItemChanges},
            qc::{QcChanges, QcView},
        },
    },
};
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::IntoResponse,
};

/// `If-Match: 3` or `If-Match: "3"` → `Some(3)`; anything unparseable is a 400.
fn if_match(headers: &HeaderMap) -> Result<Option<i32>, AppError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse::<i32>().ok())
        .map(Some)
        .ok_or_else(|| AppError::BadRequest("If-Match must be the item's version number".into()))
}

/// The item with an `ETag` of its version.
fn with_etag(status: StatusCode, item: WorkItemView) -> impl IntoResponse {
    let etag = format!("\"{}\"", item.version);
    (status, [(header::ETAG, etag)], respond::data(item))
}

/// Create a work item (blank, or from `templateId`).
#[utoipa::path(post, path = "/api/work-items", tag = "work items", request_body = NewWorkItem,
    responses((status = 201, description = "Created", body = Data<WorkItemView>, headers(("ETag" = String, description = "The item's version, quoted"))),
        (status = 409, description = "Refused by a rule"), (status = 403, description = "`cadenceKey` set by someone other than an admin")))]
pub async fn create_work_item(
    State(app): State<App>,
    user: CurrentUser,
    client: ClientInfo,
    ApiJson(body): ApiJson<NewWorkItem>,
) -> Result<impl IntoResponse, AppError> {
    // A cadence key claims one occurrence of a cadence; set by hand it would stop the cadence
    // from creating that occurrence, so only cadence generation and admins may set one.
    if body.cadence_key.is_some() && !user.is_admin() {
        return Err(AppError::Forbidden);
    }
    let item = work_items::create(&app.db, &client.actor_for(&user), body).await?;
    Ok(with_etag(StatusCode::CREATED, item))
}

/// One work item.
#[utoipa::path(get, path = "/api/work-items/{id}", tag = "work items", params(("id" = Uuid, Path, description = "The item's id, or its key (`OPS-12`)")),
    responses((status = 200, body = Data<WorkItemView>, headers(("ETag" = String, description = "The item's version, quoted")))))]
pub async fn get_work_item(
    State(app): State<App>,
    _user: CurrentUser,
    ItemPath(id): ItemPath,
) -> Result<impl IntoResponse, AppError> {
    Ok(with_etag(
        StatusCode::OK,
        work_items::get(&app.db, id).await?,
    ))
}

/// Change a work item; send `If-Match` (or `version`) to refuse stale writes with 409.
#[utoipa::path(patch, path = "/api/work-items/{id}", tag = "work items", request_body = WorkItemChanges,
    params(("id" = Uuid, Path, description = "The item's id, or its key (`OPS-12`)"), ("If-Match" = Option<String>, Header, pattern = r#"^(W/)?"?[0-9]{1,9}"?$"#, description = "The version the change was made against, e.g. `\"3\"`")),
    responses((status = 200, body = Data<WorkItemView>, headers(("ETag" = String, description = "The item's version, quoted"))),
        (status = 400, description = "If-Match is not a version number"), (status = 409, description = "Stale version or rule")))]
pub async fn patch_work_item(
    State(app): State<App>,
    user: CurrentUser,
    client: ClientInfo,
    headers: HeaderMap,
    ItemPath(id): ItemPath,
    ApiJson(body): ApiJson<WorkItemChanges>,
) -> Result<impl IntoResponse, AppError> {
    let version = if_match(&headers)?;
    let item = work_items::update(&app.db, &client.actor_for(&user), id, version, body).await?;
    Ok(with_etag(StatusCode::OK, item))
}

/// Delete a work item (admins).
#[utoipa::path(delete, path = "/api/work-items/{id}", tag = "work items", params(("id" = Uuid, Path, description = "The item's id, or its key (`OPS-12`)")),
    responses((status = 204, description = "Deleted")))]
pub async fn delete_work_item(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    client: ClientInfo,
    ItemPath(id): ItemPath,
) -> Result<impl IntoResponse, AppError> {
    work_items::delete(&app.db, &client.actor_for(&admin), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An item's audit history, oldest first.
#[utoipa::path(get, path = "/api/work-items/{id}/history", tag = "work items", params(("id" = Uuid, Path, description = "The item's id, or its key (`OPS-12`)")),
    responses((status = 200, description = "Audit entries, oldest first", body = Page<super::audit_view::AuditView>)))]
pub async fn get_work_item_history(
    State(app): State<App>,
    _user: CurrentUser,
    ItemPath(id): ItemPath,
) -> Result<impl IntoResponse, AppError> {
    let entries = work_items::history(&app.db, id).await?;
    let data: Vec<_> = entries
        .into_iter()
        .map(super::audit_view::AuditView::from)
        .collect();
    Ok(respond::list(data, None))
}

/// The QC panel of an item.
#[utoipa::path(get, path = "/api/work-items/{id}/qc", tag = "qc", params(("id" = Uuid, Path, description = "The item's id, or its key (`OPS-12`)")), responses((status = 200, body = Data<QcView>)))]
pub async fn get_work_item_qc(
    State(app): State<App>,
    _user: CurrentUser,
    ItemPath(id): ItemPath,
) -> Result<impl IntoResponse, AppError> {
    let item = work_items::get(&app.db, id).await?;
    Ok(respond::data(QcView::from(&item)))
}

/// Change proofing settings or decide (`APPROVED`, or `CHANGES_REQUESTED` with a note).
#[utoipa::path(patch, path = "/api/work-items/{id}/qc", tag = "qc", request_body = QcChanges,
    params(("id" = Uuid, Path, description = "The item's id, or its key (`OPS-12`)"), ("If-Match" = Option<String>, Header, pattern = r#"^(W/)?"?[0-9]{1,9}"?$"#, description = "The version the change was made against, e.g. `\"3\"`")),
    responses((status = 200, body = Data<QcView>), (status = 400, description = "If-Match is not a version number"),
        (status = 403, description = "An owner approving their own item"), (status = 409, description = "Stale or not in proofing")))]
pub async fn patch_work_item_qc(
    State(app): State<App>,
    user: CurrentUser,
    client: ClientInfo,
    headers: HeaderMap,
    ItemPath(id): ItemPath,
    ApiJson(body): ApiJson<QcChanges>,
) -> Result<impl IntoResponse, AppError> {
    let version = if_match(&headers)?;
    let item = work_items::qc::decide(
        &app.db,
        &client.actor_for(&user),
        user.role,
        id,
        version,
        body,
    )
    .await?;
    Ok(respond::data(QcView::from(&item)))
}

/// List work items: filters, sort and keyset pagination (see the parameters of docs/PRODUCT.md §10).
#[utoipa::path(get, path = "/api/work-items", tag = "work items",
    params(super::work_item_params::ListParams),
    responses((status = 200, body = Page<WorkItemView>)))]
pub async fn list_work_items(
    State(app): State<App>,
    user: CurrentUser,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<impl IntoResponse, AppError> {
    let query = work_items::list_query::parse(
        &super::query::query_pairs(raw)?,
        user.id,
        zone(&app, &user),
    )?;
    let page = work_items::list::list(&app.db, &query).await?;
    Ok(respond::list(page.items, page.next_cursor))
}

/// The same filtered list as CSV, streamed a page at a time.
#[utoipa::path(get, path = "/api/work-items.csv", tag = "work items",
    params(super::work_item_params::ListParams),
    responses((status = 200, description = "The items as CSV, one row each", body = String, content_type = "text/csv")))]
pub async fn export_work_items_csv(
    State(app): State<App>,
    user: CurrentUser,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<impl IntoResponse, AppError> {
    let mut query = work_items::list_query::parse(
        &super::query::query_pairs(raw)?,
        user.id,
        zone(&app, &user),
    )?;
    query.cursor = None;
    query.limit = work_items::list_query::MAX_LIMIT;
    let readable = super::csv::Readable {
        names: crate::http::pages::present::names(&app).await?,
        tz: zone(&app, &user),
        base_url: app.settings.auth_url.clone(),
    };
    let body = super::csv::stream(
        app.db.clone(),
        query,
        app.settings.timeouts.stream_max,
        readable,
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"work-items.csv\"",
            ),
        ],
        body,
    ))
}

/// This resource's routes, each with who may use it; paths and methods are those of the
/// handlers' `#[utoipa::path]`.
pub fn routes() -> Routes {
    Routes::new()
        .api(SignedIn, routes!(list_work_items))
        .api(SignedIn, routes!(create_work_item))
        .api(SignedIn, routes!(export_work_items_csv))
        .api(SignedIn, routes!(get_work_item))
        .api(SignedIn, routes!(patch_work_item))
        .api(Admin, routes!(delete_work_item))
        .api(SignedIn, routes!(get_work_item_history))
        .api(SignedIn, routes!(get_work_item_qc))
        .api(SignedIn, routes!(patch_work_item_qc))
}
