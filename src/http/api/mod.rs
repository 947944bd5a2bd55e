//! JSON handlers, one file per resource.

pub mod audit;
pub mod audit_view;
pub mod cadences;
pub mod calendar;
pub mod calendar_feeds;
pub mod comments;
pub mod csv;
pub mod events;
pub mod health;
pub mod inbox;
pub mod integration_rules;
pub mod me;
pub mod messages;
pub mod metrics;
pub mod openapi;
pub mod openapi_errors;
pub mod openapi_links;
pub mod openapi_text;
pub mod palette;
pub mod path_id;
pub mod query;
pub mod respond;
pub mod stats;
pub mod stream;
pub mod subtasks;
pub mod templates;
pub mod users;
pub mod webhooks;
pub mod work_item_params;
pub mod work_items;

use crate::http::routes::{Access, Routes};

/// Every API route, resource by resource (each file declares its own), and the document.
pub fn routes() -> Routes {
    Routes::new()
        .merge(me::routes())
        .merge(users::routes())
        .merge(work_items::routes())
        .merge(palette::routes())
        .merge(subtasks::routes())
        .merge(comments::routes())
        .merge(messages::routes())
        .merge(inbox::routes())
        .merge(stream::routes())
        .merge(calendar::routes())
        .merge(stats::routes())
        .merge(audit::routes())
        .merge(templates::routes())
        .merge(cadences::routes())
        .merge(calendar_feeds::routes())
        .merge(webhooks::routes())
        .merge(events::routes())
        .merge(integration_rules::routes())
        // The document itself is no operation of the API it describes.
        .get("/api/openapi.json", Access::SignedIn, openapi::get_openapi)
}
