//! Integrations with other systems, kept free of database and HTTP-server code so that their
//! rules can be tested on their own: HighLevel (`ghl`) and the rule matching that decides what
//! an incoming event becomes (`rules`).

pub mod ghl;
pub mod rules;
