//! `GET /api/audit` (admins): the audit log, filtered and paged newest first.

use utoipa_axum::routes;

use crate::http::routes::{Access::*, Routes};
use axum::{
    extract::{RawQuery, State},
    response::IntoResponse,
};

use super::respond::{self, Page};
use super::{audit_view::AuditView, query::query_pairs};
use crate::{
    app::App,
    http::{error::AppError, extract::RequireAdmin},
    services::audit_query,
};

/// Audit entries, newest first. Filters combine; pass `nextCursor` back as `cursor` for the
/// next page.
#[utoipa::path(get, path = "/api/audit", tag = "audit",
    params(
        ("actorId" = Option<uuid::Uuid>, Query, description = "Who acted"),
        ("action" = Option<String>, Query, min_length = 1, max_length = 100, description = "Exact action, e.g. `work_item.update`"),
        ("workItemId" = Option<uuid::Uuid>, Query, description = "Entries about this item"),
        ("from" = Option<String>, Query, format = DateTime, description = "RFC 3339; entries at or after"),
        ("to" = Option<String>, Query, format = DateTime, description = "RFC 3339; entries before"),
        ("limit" = Option<u64>, Query, minimum = 1, maximum = 200, description = "1–200, default 50"),
        ("cursor" = Option<String>, Query, description = "`nextCursor` of the previous page"),
    ),
    responses((status = 200, body = Page<AuditView>)))]
pub async fn list_audit(
    State(app): State<App>,
    RequireAdmin(_admin): RequireAdmin,
    RawQuery(raw): RawQuery,
) -> Result<impl IntoResponse, AppError> {
    let query = audit_query::parse(&query_pairs(raw)?)?;
    let page = audit_query::list(&app.db, &query).await?;
    let data: Vec<AuditView> = page.entries.into_iter().map(AuditView::from).collect();
    Ok(respond::list(data, page.next_cursor))
}

/// This resource's routes, each with who may use it; paths and methods are those of the
/// handlers' `#[utoipa::path]`.
pub fn routes() -> Routes {
    Routes::new().api(Admin, routes!(list_audit))
}
