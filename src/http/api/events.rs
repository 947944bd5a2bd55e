//! `/api/events`: the two queues, the generic intake, and the triage actions; and
//! `POST /api/ghl/events`, which queues an action for HighLevel.

use utoipa_axum::routes;

use crate::http::routes::{Access::*, Routes};
use axum::{
    body::Bytes,
    extract::{FromRequest, RawQuery, Request, State},
    http::{StatusCode, header},
    response::IntoResponse,
};
use serde::de::DeserializeOwned;

use super::respond::{self, Data};
use super::{path_id::IdPath, query::query_pairs};
use crate::{
    app::App,
    http::{
        error::AppError,
        extract::{ApiJson, CurrentUser},
    },
    services::{
        events::{
            EventView,
            intake::{self, NewEvent},
            list::{self, EventQueues},
            outbound::{self, GhlActionInput},
            triage::{self, ConvertInput},
        },
        signin::ClientInfo,
    },
};

/// Both queues: counts by state and the newest events of each.
#[utoipa::path(get, path = "/api/events", tag = "events",
    params(
        ("state" = Option<String>, Query, description = "Only events in this state"),
        ("type" = Option<String>, Query, description = "Only events of this type"),
        ("limit" = Option<u64>, Query, minimum = 1, maximum = 200, description = "1–200 per queue (default 50)"),
        ("inboundCursor" = Option<String>, Query, description = "The inbound queue's `nextCursor`"),
        ("outboundCursor" = Option<String>, Query, description = "The outbound queue's `nextCursor`"),
    ),
    responses((status = 200, description = "Both queues", body = Data<EventQueues>)))]
pub async fn list_events(
    State(app): State<App>,
    _user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<impl IntoResponse, AppError> {
    let query = list::parse_query(&query_pairs(raw)?)?;
    let queues = list::list(&app.db, &query).await?;
    Ok(respond::data(queues))
}

/// One event with its payload (the queues list events without theirs).
#[utoipa::path(get, path = "/api/events/{id}", tag = "events", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The event, payload included", body = Data<EventView>),
        (status = 404, description = "Unknown event")))]
pub async fn get_event(
    State(app): State<App>,
    _user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<impl IntoResponse, AppError> {
    let event = crate::services::events::get(app.db.conn(), id).await?;
    Ok(respond::data(event))
}

/// Take in an event from another system (use an API token). The same source, type and
/// `externalId` again is a redelivery: 200 with the first copy, stored once.
#[utoipa::path(post, path = "/api/events", tag = "events", request_body = NewEvent,
    responses((status = 201, description = "Stored; it will be processed by the rules", body = Data<EventView>),
        (status = 200, description = "A redelivery: the event stored the first time", body = Data<EventView>)))]
pub async fn create_event(
    State(app): State<App>,
    _user: CurrentUser,
    ApiJson(body): ApiJson<NewEvent>,
) -> Result<impl IntoResponse, AppError> {
    let stored = intake::receive_event(&app.db, body).await?;
    let status = if stored.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, respond::data(stored.event)))
}

/// Convert an event in triage (or failed) into a work item; the body is optional.
#[utoipa::path(post, path = "/api/events/{id}/convert", tag = "events", params(("id" = Uuid, Path)),
    request_body(content = Option<ConvertInput>, description = "Optional: the item's fields"),
    responses((status = 200, description = "The event, now `PROCESSED` and linked to its item", body = Data<EventView>),
        (status = 404, description = "Unknown event"), (status = 409, description = "Not waiting for a person")))]
pub async fn convert_event(
    State(app): State<App>,
    user: CurrentUser,
    client: ClientInfo,
    IdPath(id): IdPath,
    OptionalJson(body): OptionalJson<ConvertInput>,
) -> Result<impl IntoResponse, AppError> {
    let event = triage::convert(&app.db, &client.actor_for(&user), id, body).await?;
    Ok(respond::data(event))
}

/// Dismiss an event in triage (or failed).
#[utoipa::path(post, path = "/api/events/{id}/dismiss", tag = "events", params(("id" = Uuid, Path)),
    responses((status = 200, body = Data<EventView>), (status = 404, description = "Unknown event"),
        (status = 409, description = "Not waiting for a person")))]
pub async fn dismiss_event(
    State(app): State<App>,
    user: CurrentUser,
    client: ClientInfo,
    IdPath(id): IdPath,
) -> Result<impl IntoResponse, AppError> {
    let event = triage::dismiss(&app.db, &client.actor_for(&user), id).await?;
    Ok(respond::data(event))
}

/// Run an event again: an inbound one in triage or failed through the rules, a failed
/// outbound one through delivery.
#[utoipa::path(post, path = "/api/events/{id}/retry", tag = "events", params(("id" = Uuid, Path)),
    responses((status = 200, body = Data<EventView>), (status = 404, description = "Unknown event"),
        (status = 409, description = "Not in a state that can be retried")))]
pub async fn retry_event(
    State(app): State<App>,
    user: CurrentUser,
    client: ClientInfo,
    IdPath(id): IdPath,
) -> Result<impl IntoResponse, AppError> {
    let event = triage::retry(&app.db, &client.actor_for(&user), id).await?;
    Ok(respond::data(event))
}

/// Queue an action for HighLevel: add a note, create a task, send a message or set an
/// opportunity's status. Delivered by the worker; watch it in the outbound queue.
#[utoipa::path(post, path = "/api/ghl/events", tag = "events", request_body = GhlActionInput,
    responses((status = 202, description = "Queued", body = Data<EventView>),
        (status = 503, description = "GHL integration is not configured")))]
pub async fn queue_ghl_event(
    State(app): State<App>,
    user: CurrentUser,
    client: ClientInfo,
    ApiJson(body): ApiJson<GhlActionInput>,
) -> Result<impl IntoResponse, AppError> {
    if !outbound::ghl_configured(&app.settings) {
        return Err(AppError::Unavailable(outbound::NOT_CONFIGURED.to_string()));
    }
    let event = outbound::queue_action(&app.db, &client.actor_for(&user), body).await?;
    Ok((StatusCode::ACCEPTED, respond::data(event)))
}

/// A JSON body that may be left out entirely (then `T::default()`).
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default + Send> FromRequest<App> for OptionalJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, app: &App) -> Result<Self, Self::Rejection> {
        let has_type = request.headers().contains_key(header::CONTENT_TYPE);
        if has_type {
            return ApiJson::<T>::from_request(request, app)
                .await
                .map(|ApiJson(value)| OptionalJson(value));
        }
        let bytes = Bytes::from_request(request, app)
            .await
            .map_err(|_| AppError::PayloadTooLarge)?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            Ok(OptionalJson(T::default()))
        } else {
            Err(AppError::UnsupportedMediaType(
                "send JSON with Content-Type: application/json".to_string(),
            ))
        }
    }
}

/// This resource's routes, each with who may use it; paths and methods are those of the
/// handlers' `#[utoipa::path]`.
pub fn routes() -> Routes {
    Routes::new()
        .api(SignedIn, routes!(list_events))
        .api(SignedIn, routes!(create_event))
        .api(SignedIn, routes!(get_event))
        .api(SignedIn, routes!(convert_event))
        .api(SignedIn, routes!(dismiss_event))
        .api(SignedIn, routes!(retry_event))
        .api(SignedIn, routes!(queue_ghl_event))
}
