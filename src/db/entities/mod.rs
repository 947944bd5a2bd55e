//! SeaORM entities, one module per table, in the classic `DeriveEntityModel` style: each exposes
//! `Entity`, `Model`, `ActiveModel`, `Column` and `Relation`. Enum-like columns are plain `String`s
//! holding the domain enums' names (the migrations limit them with CHECK constraints); ids are
//! UUIDv7 and timestamps UTC.
//!
//! These are storage shapes: services convert them to domain types, and nothing serialises them to
//! clients.

pub mod api_token;
pub mod audit_log;
pub mod cadence;
pub mod calendar_feed;
pub mod comment;
pub mod email_link;
pub mod integration_event;
pub mod integration_rule;
pub mod job;
pub mod message;
pub mod notification;
pub mod notification_preference;
pub mod qc_checklist_item;
pub mod rate_limit;
pub mod session;
pub mod subtask;
pub mod template;
pub mod template_subtask;
pub mod user;
pub mod work_item;
pub mod work_item_tag;
