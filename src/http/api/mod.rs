//! JSON handlers, one file per resource.

pub mod health;
