//! `/api/palette`: what the command palette lists as a person types.

use axum::{
    extract::{RawQuery, State},
    response::IntoResponse,
};

use utoipa_axum::routes;

use super::respond::{self, Data};
use crate::http::routes::{Access::SignedIn, Routes};
use crate::{
    app::App,
    http::{error::AppError, extract::CurrentUser},
    services::palette::{self, PaletteResults},
};

/// The longest search the palette takes (what a person types, never a pasted document).
const MAX_QUERY_CHARS: usize = 100;

#[derive(Debug, utoipa::IntoParams)]
#[allow(dead_code)] // Describes the query for the API document; read by `query_pairs`.
#[into_params(parameter_in = Query)]
pub struct PaletteParams {
    /// What was typed: words of an item, its key (`OPS-12`), a name or a tag.
    #[param(max_length = 100)]
    q: Option<String>,
}

/// Items, people and tags matching what was typed, a few of each.
#[utoipa::path(get, path = "/api/palette", tag = "work items", params(PaletteParams),
    responses((status = 200, body = Data<PaletteResults>)))]
pub async fn get_palette(
    State(app): State<App>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<impl IntoResponse, AppError> {
    let pairs = super::query::query_pairs(raw)?;
    let q = pairs
        .iter()
        .find(|(name, _)| name == "q")
        .map_or("", |(_, value)| value.as_str());
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(AppError::BadRequest(format!(
            "q: at most {MAX_QUERY_CHARS} characters"
        )));
    }
    let tz = crate::http::pages::zone(&app, &user);
    let found = palette::search(&app.db, user.id, tz, q).await?;
    Ok(respond::data(found))
}

/// This resource's routes, each with who may use it; paths and methods are those of the
/// handlers' `#[utoipa::path]`.
pub fn routes() -> Routes {
    Routes::new().api(SignedIn, routes!(get_palette))
}
