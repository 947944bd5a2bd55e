//! `GET /api/stats`: the numbers of the stats page.

use utoipa_axum::routes;

use crate::http::routes::{Access::*, Routes};
use axum::{
    extract::{RawQuery, State},
    response::IntoResponse,
};

use super::query::{no_parameters, query_pairs};
use super::respond::{self, Data};
use crate::{
    app::App,
    db::time,
    http::{error::AppError, extract::CurrentUser},
    services::stats::{self, Stats},
};

/// Open items by status, owner and type; overdue; due in the next 7 days; waiting; awaiting
/// proofing; completed per week (12 weeks, Monday-based in the requester's zone); median cycle time.
#[utoipa::path(get, path = "/api/stats", tag = "stats",
    responses((status = 200, body = Data<Stats>), (status = 400, description = "The query string cannot be read"), (status = 422, description = "An unknown parameter")))]
pub async fn get_stats(
    State(app): State<App>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<impl IntoResponse, AppError> {
    no_parameters(&query_pairs(raw)?)?;
    let tz = crate::http::pages::zone(&app, &user);
    let numbers = stats::stats(&app.db, tz, time::now()).await?;
    Ok(respond::data(numbers))
}

/// This resource's routes, each with who may use it; paths and methods are those of the
/// handlers' `#[utoipa::path]`.
pub fn routes() -> Routes {
    Routes::new().api(SignedIn, routes!(get_stats))
}
