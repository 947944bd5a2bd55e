//! The one integration-test crate (see ARCHITECTURE.md): every test speaks to a real server
//! on a real port, on SQLite always and on PostgreSQL when `OPS_TEST_POSTGRES_URL` is set.

mod support;

mod auth_email;
mod auth_limits;
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
