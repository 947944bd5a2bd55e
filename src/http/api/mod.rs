//! JSON handlers, one file per resource.

pub mod audit;
pub mod audit_view;
pub mod calendar;
pub mod comments;
pub mod csv;
pub mod health;
pub mod inbox;
pub mod me;
pub mod messages;
pub mod openapi;
pub mod path_id;
pub mod query;
pub mod stats;
pub mod stream;
pub mod subtasks;
pub mod templates;
pub mod users;
pub mod work_items;
