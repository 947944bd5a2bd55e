//! `POST /api/webhooks/ghl`: HighLevel's webhooks. The body is read as raw bytes, checked for
//! authenticity, and only then parsed (docs/ARCHITECTURE.md, "Webhooks"); the 200 goes out after
//! the event is committed.

use utoipa_axum::routes;

use crate::http::routes::{Access::*, Routes};
use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use uuid::Uuid;

use super::respond::{self, Data};

use crate::{
    app::App,
    http::{edge, error::AppError},
    integrations::ghl::{delivery::Refusal, signature::WebhookCredentials},
    services::{
        events::intake::{self, WebhookError},
        signin::ClientInfo,
    },
    telemetry::metrics::WebhookRejection,
};

/// Receive a HighLevel webhook. Authenticated by `X-GHL-Signature` (Ed25519 over the raw
/// body, HighLevel's key), `Authorization: Bearer <GHL_WEBHOOK_SECRET>`, or
/// `X-Ops-Signature: sha256=<hex HMAC-SHA256 of the body>`. A redelivery (same `webhookId`, or
/// same type, id and timestamp, or for a body with neither the same bytes within a day) answers
/// 200 with `duplicate: true` and is stored once. A HighLevel `timestamp` more than five
/// minutes from now is refused, and with `GHL_LOCATION_ID` set so is another location.
#[utoipa::path(post, path = "/api/webhooks/ghl", tag = "events",
    request_body(content = Object, description = "A HighLevel payload, flat or nested under `data`"),
    params(
        ("X-GHL-Signature" = Option<String>, Header, description = "Ed25519 signature of the body, base64"),
        ("X-Ops-Signature" = Option<String>, Header, description = "`sha256=<hex HMAC-SHA256 of the body>`"),
    ),
    responses(
        (status = 200, description = "Stored before this answer", body = Data<WebhookReceipt>),
        (status = 400, description = "Not a JSON object, or a `timestamp` more than five minutes from now (audited)"),
        (status = 413, description = "The body is larger than 1 MiB (counted as refused)"),
        (status = 401, description = "No valid signature or secret (audited; nothing stored)"),
        (status = 403, description = "For another location than `GHL_LOCATION_ID` (audited; nothing stored)"),
        (status = 429, description = "Too many refused webhooks from this address"),
    ))]
pub async fn receive_ghl_webhook(
    State(app): State<App>,
    client: ClientInfo,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // The edge checks only bodies labelled JSON; this route parses any label as JSON.
    if let Some(refused) = edge::refuse_raw_json(&body) {
        return verdict(refused, Some(WebhookRejection::Malformed));
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let credentials = WebhookCredentials {
        ghl_signature: header("x-ghl-signature"),
        authorization: header("authorization"),
        ops_signature: header("x-ops-signature"),
    };
    let actor = crate::services::audit::Actor {
        user_id: None,
        ip: client.ip.clone(),
        request_id: client.request_id.clone(),
    };
    let refusals = &app.limits.api;
    let outcome =
        intake::receive_ghl_webhook(&app.db, &app.settings, refusals, &actor, credentials, &body)
            .await;
    let rejection = match &outcome {
        Err(WebhookError::Unauthorized) => Some(WebhookRejection::Signature),
        Err(WebhookError::TooManyRefusals(_)) => Some(WebhookRejection::Throttled),
        Err(WebhookError::Malformed(_)) => Some(WebhookRejection::Malformed),
        Err(WebhookError::Refused(Refusal::Stale(_))) => Some(WebhookRejection::Stale),
        Err(WebhookError::Refused(Refusal::ForeignLocation(_))) => Some(WebhookRejection::Location),
        Ok(_) | Err(WebhookError::Service(_)) => None,
    };
    let response = match outcome {
        Ok(stored) => respond::data(WebhookReceipt {
            id: stored.event.id,
            state: stored.event.state,
            duplicate: stored.duplicate,
        })
        .into_response(),
        Err(WebhookError::Unauthorized) => (
            StatusCode::UNAUTHORIZED,
            axum::Json(respond::ErrorBody::new(
                WebhookError::Unauthorized.to_string(),
            )),
        )
            .into_response(),
        Err(WebhookError::TooManyRefusals(retry_after_secs)) => {
            AppError::RateLimited { retry_after_secs }.into_response()
        }
        Err(WebhookError::Malformed(reason)) => AppError::BadRequest(reason).into_response(),
        Err(WebhookError::Refused(refusal)) => {
            let status = match refusal {
                Refusal::Stale(_) => StatusCode::BAD_REQUEST,
                Refusal::ForeignLocation(_) => StatusCode::FORBIDDEN,
            };
            (
                status,
                axum::Json(respond::ErrorBody::new(refusal.reason())),
            )
                .into_response()
        }
        Err(WebhookError::Service(error)) => AppError::from(error).into_response(),
    };
    verdict(response, rejection)
}

/// Tells [`edge::count_refused_webhooks`] what the handler decided, so it counts the
/// handler's refusals by their reason and does not guess one from the status.
fn verdict(mut response: Response, rejection: Option<WebhookRejection>) -> Response {
    response
        .extensions_mut()
        .insert(edge::WebhookVerdict(rejection));
    response
}

/// What a stored webhook became.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WebhookReceipt {
    pub id: Uuid,
    /// The event's state (`RECEIVED` until the worker processes it).
    #[schema(schema_with = crate::services::events::state_schema)]
    pub state: String,
    /// `true` when this was a redelivery of an event already stored.
    pub duplicate: bool,
}

/// This resource's routes, each with who may use it; paths and methods are those of the
/// handlers' `#[utoipa::path]`.
pub fn routes() -> Routes {
    Routes::new().api(OwnAuth, routes!(receive_ghl_webhook))
}
