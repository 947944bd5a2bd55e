//! JSON handlers, one file per resource.

pub mod health;
pub mod me;
pub mod users;
