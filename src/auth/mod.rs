//! Authentication: passwords, sessions, API tokens, email links, rate limits and the tokens
//! they are all made of.

pub mod api_tokens;
pub mod common_passwords;
pub mod email_links;
pub mod passwords;
pub mod rate_limit;
pub mod sessions;
pub mod tokens;
