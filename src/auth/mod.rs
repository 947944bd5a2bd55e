//! Authentication building blocks: password hashing and (later) sessions, tokens and links.

pub mod passwords;
