//! `POST /profile/time-zone`: a person chooses the zone they read and type times in (from their
//! profile, or the offer of their browser's zone shown until they choose).

use axum::{extract::State, http::HeaderMap, response::Response};
use serde::Deserialize;

use super::{Chrome, error_page, redirect_with_error, redirect_with_flash, safe_next};
use crate::{
    app::App,
    http::extract::CsrfForm,
    services::{ServiceError, signin::ClientInfo, time_zones},
};

#[derive(Deserialize)]
pub struct TimeZoneForm {
    time_zone: Option<String>,
    next: Option<String>,
}

pub async fn post_time_zone(
    State(app): State<App>,
    client: ClientInfo,
    headers: HeaderMap,
    CsrfForm { user, form }: CsrfForm<TimeZoneForm>,
) -> Response {
    let back = safe_next(form.next.as_deref().or(Some("/profile")));
    let raw = form.time_zone.unwrap_or_default();
    match time_zones::set(&app.db, &client.actor_for(&user), user.id, &raw).await {
        Ok(tz) => redirect_with_flash(
            &app.settings,
            &back,
            &format!("Times are now shown in {}.", tz.name().replace('_', " ")),
        ),
        Err(ServiceError::Invalid(_)) => redirect_with_error(
            &app.settings,
            &back,
            "Not saved: choose a time zone from the list, such as Europe/London or America/New_York.",
        ),
        Err(error) => error_page(
            &app.settings,
            &Chrome::new(Some(&user), &headers),
            error.into(),
        ),
    }
}
