//! The client conversation of a work item: `GET/POST /api/work-items/{id}/messages`.

use utoipa_axum::routes;

use crate::http::routes::{Access::*, Routes};
use axum::{extract::State, http::StatusCode, response::IntoResponse};

use super::path_id::ItemPath;
use super::respond::{self, Data, Page};
use crate::{
    app::App,
    http::{
        error::AppError,
        extract::{ApiJson, CurrentUser},
    },
    services::{
        messages::{self, MessageView, NewMessage},
        signin::ClientInfo,
    },
};

/// An item's messages, oldest first.
#[utoipa::path(get, path = "/api/work-items/{id}/messages", tag = "messages", params(("id" = Uuid, Path, description = "The item's id, or its key (`OPS-12`)")),
    responses((status = 200, body = Page<MessageView>), (status = 404, description = "Unknown item")))]
pub async fn list_messages(
    State(app): State<App>,
    _user: CurrentUser,
    ItemPath(id): ItemPath,
) -> Result<impl IntoResponse, AppError> {
    let data = messages::list(&app.db, id).await?;
    Ok(respond::list(data, None))
}

/// Log a message: one sent to the client (`OUTBOUND`, status `LOGGED`; `QUEUED` for delivery
/// through HighLevel when GHL is configured and the item has a `ghlContactId`) or one the
/// client sent elsewhere (`INBOUND`, status `RECEIVED`).
#[utoipa::path(post, path = "/api/work-items/{id}/messages", tag = "messages", params(("id" = Uuid, Path, description = "The item's id, or its key (`OPS-12`)")), request_body = NewMessage,
    responses((status = 201, body = Data<MessageView>), (status = 404, description = "Unknown item")))]
pub async fn create_message(
    State(app): State<App>,
    user: CurrentUser,
    client: ClientInfo,
    ItemPath(id): ItemPath,
    ApiJson(body): ApiJson<NewMessage>,
) -> Result<impl IntoResponse, AppError> {
    let deliver = crate::services::events::outbound::ghl_configured(&app.settings);
    let message =
        messages::create_with_delivery(&app.db, &client.actor_for(&user), id, body, deliver)
            .await?;
    Ok((StatusCode::CREATED, respond::data(message)))
}

/// This resource's routes, each with who may use it; paths and methods are those of the
/// handlers' `#[utoipa::path]`.
pub fn routes() -> Routes {
    Routes::new()
        .api(SignedIn, routes!(list_messages))
        .api(SignedIn, routes!(create_message))
}
