//! The one integration-test crate (see ARCHITECTURE.md): every test speaks to a real server
//! on a real port, on SQLite always and on PostgreSQL when `OPS_TEST_POSTGRES_URL` is set.

mod support;

mod api_audit;
mod api_calendar;
mod api_comments;
mod api_inbox;
mod api_messages;
mod api_qc;
mod api_stats;
mod api_subtasks;
mod api_templates;
mod api_work_items;
mod api_work_items_list;
mod auth_email;
mod auth_limits;
mod auth_next;
mod auth_sessions;
mod auth_tokens;
mod cli;
mod demo_data;
mod http_basics;
mod jobs;
mod mailer;
mod migrations;
mod readiness;
mod route_matrix;
mod shutdown;
mod sqlite_writes;
