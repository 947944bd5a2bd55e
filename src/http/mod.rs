//! The web surface: one router, one error type, the middleware, and the handlers.

pub mod api;
pub mod client_address;
pub mod context;
pub mod cookies;
pub mod edge;
pub mod error;
pub mod extract;
pub mod middleware;
pub mod pages;
pub mod reauth;
pub mod router;
pub mod routes;

/// Request bodies above this size are refused with 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
