//! `GET /api/calendar`: the items of a range of local days, grouped by day. Also home of
//! [`query_pairs`], the raw query-string reader the views of this area share.

use utoipa_axum::routes;

use crate::http::routes::{Access::*, Routes};
use axum::{
    extract::{RawQuery, State},
    response::IntoResponse,
};

use super::respond::{self, Data};
use crate::{
    app::App,
    db::time,
    http::{error::AppError, extract::CurrentUser},
    services::calendar::{self, CalendarView},
};

/// The calendar: every local day (in the requester's zone) from `from` to `to`, both included,
/// with the items due (events: starting) that day; cancelled items are left out.
#[utoipa::path(get, path = "/api/calendar", tag = "calendar",
    params(
        ("from" = Option<String>, Query, format = Date, description = "First local day, YYYY-MM-DD (default: today)"),
        ("to" = Option<String>, Query, format = Date, description = "Last local day, YYYY-MM-DD (default: from + 13 days; at most 62 days in all)"),
    ),
    responses((status = 200, body = Data<CalendarView>), (status = 422, description = "A bad or unknown parameter, or a range over 62 days")))]
pub async fn get_calendar(
    State(app): State<App>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<impl IntoResponse, AppError> {
    let pairs = super::query::query_pairs(raw)?;
    let tz = crate::http::pages::zone(&app, &user);
    let range = calendar::parse_range(&pairs, calendar::local_date(time::now(), tz))?;
    let view = calendar::calendar(&app.db, tz, range).await?;
    Ok(respond::data(view))
}

/// This resource's routes, each with who may use it; paths and methods are those of the
/// handlers' `#[utoipa::path]`.
pub fn routes() -> Routes {
    Routes::new().api(SignedIn, routes!(get_calendar))
}
