//! Liveness and readiness probes (no sign-in: load balancers call them).

use std::time::Duration;

use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use serde_json::json;

use crate::{app::App, http::error::AppError};

/// How long readiness waits for the database before calling it down.
pub(super) const READY_TIMEOUT: Duration = Duration::from_secs(3);

/// `GET /healthz`: 200 while the process runs.
pub async fn get_healthz() -> impl IntoResponse {
    (StatusCode::OK, Json(json!({"data": {"status": "ok"}})))
}

/// `GET /readyz`: 200 when the database answers and is fully migrated, else 503.
pub async fn get_readyz(State(app): State<App>) -> Result<impl IntoResponse, AppError> {
    match tokio::time::timeout(READY_TIMEOUT, app.db.check_ready()).await {
        Ok(Ok(())) => Ok(Json(json!({"data": {"status": "ready"}}))),
        Ok(Err(reason)) => {
            tracing::warn!(%reason, "not ready");
            Err(AppError::Unavailable(if reason.contains("pending") {
                "database migrations are pending".to_string()
            } else {
                "database unavailable".to_string()
            }))
        }
        Err(_) => {
            tracing::warn!("not ready: the database did not answer in time");
            Err(AppError::Unavailable("database unavailable".to_string()))
        }
    }
}
