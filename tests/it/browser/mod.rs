//! Real-browser tests: Debian's Chromium, headless, driven over WebDriver
//! by `fantoccini` through a chromedriver each test starts and kills. They run on SQLite only:
//! they test pages and app.js, not the database. Without Chromium they fail (never skip), since
//! CI installs it. `cargo test --test it browser` runs just these.

mod board;
mod confirm_step;
mod driver;
pub mod item_page;
mod layout;
mod navigation;
mod one_meaning;
mod palette;
mod scenarios;
mod screenshots;
mod time_zones;
