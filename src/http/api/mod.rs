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
pub mod path_id;
pub mod query;
pub mod respond;
pub mod stats;
pub mod stream;
pub mod subtasks;
pub mod templates;
pub mod users;
pub mod webhooks;
pub mod work_items;
