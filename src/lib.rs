//! OPS Desktop: the operations hub of a small agency or publication team.
//!
//! The module map follows docs/ARCHITECTURE.md: `domain` holds pure rules, `db` the schema,
//! `services` the use cases, `jobs` the background queue, `http` the web surface, and `cli`
//! the commands. `main.rs` only parses the command line and calls one command.
#![forbid(unsafe_code)]

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod email;
pub mod http;
pub mod integrations;
pub mod jobs;
pub mod private_fs;
pub mod services;
pub mod telemetry;
