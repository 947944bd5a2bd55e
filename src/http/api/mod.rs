//! JSON handlers, one file per resource.

pub mod audit_view;
pub mod health;
pub mod me;
pub mod openapi;
pub mod users;
pub mod work_items;
