//! What the dashboard, inbox, calendar and QC pages show of a work item: a row already
//! formatted for people (local times, status words, names instead of ids, badges). People's
//! names come from one lookup per page ([`Names`]), never one query per row.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use crate::{
    app::App,
    domain::work_item::{Priority, ProofStatus, Status},
    services::{ServiceError, people, work_items::WorkItemView},
};

/// Everyone's name by id (deactivated people included: they may still own old items).
pub struct Names(HashMap<Uuid, String>);

impl Names {
    /// One query for the whole page.
    pub async fn load(app: &App) -> Result<Names, ServiceError> {
        let everyone = people::list(app.db.conn(), true).await?;
        Ok(Names(
            everyone.into_iter().map(|p| (p.id, p.name)).collect(),
        ))
    }

    /// From people already loaded for the page (no second query).
    pub fn from_people(everyone: &[crate::db::entities::user::Model]) -> Names {
        Names(everyone.iter().map(|p| (p.id, p.name.clone())).collect())
    }

    /// From ids and names already at hand.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (Uuid, String)>) -> Names {
        Names(pairs.into_iter().collect())
    }

    /// The person's name, if the id is someone's.
    pub fn get(&self, id: Option<Uuid>) -> Option<String> {
        id.and_then(|id| self.0.get(&id).cloned())
    }
}

/// `Tue 14 Apr 2026, 10:00` in the reader's zone.
pub use super::present::local as local_time;
/// The words for a code: `IN_PROGRESS` → `In progress`, `SOCIAL_POST` → `Social post`.
pub use super::present::status_label as code_label;

/// `10:00` in the reader's zone.
pub fn local_clock(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%H:%M").to_string()
}

/// `Tue 14 Apr`.
pub fn short_day(day: NaiveDate) -> String {
    day.format("%a %-d %b").to_string()
}

/// The RFC 3339 form for `<time datetime>`.
pub fn machine_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A rough duration for people: `just now`, `12 minutes`, `5 hours`, `3 days`, `6 weeks`.
pub fn duration_words(seconds: i64) -> String {
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    match seconds.max(0) {
        s if s < 60 => "just now".to_string(),
        s if s < 3_600 => plural(s / 60, "minute"),
        s if s < 86_400 => plural(s / 3_600, "hour"),
        s if s < 14 * 86_400 => plural(s / 86_400, "day"),
        s => plural(s / (7 * 86_400), "week"),
    }
}

/// `… ago`, except for "just now".
pub fn ago(seconds: i64) -> String {
    match duration_words(seconds) {
        now if now == "just now" => now,
        words => format!("{words} ago"),
    }
}

/// An instant for people (`text`, local) and for machines (`machine`, for `<time datetime>`).
pub struct When {
    pub text: String,
    pub machine: String,
}

impl When {
    pub fn new(at: DateTime<Utc>, tz: Tz) -> When {
        When {
            text: local_time(at, tz),
            machine: machine_time(at),
        }
    }
}

/// An item as a row of one of these pages.
pub struct ItemRow {
    pub id: Uuid,
    /// `OPS-12`: shown before the title, and the link's address.
    pub key: String,
    pub title: String,
    pub status: Status,
    /// `HIGH` and `URGENT` are worth a badge; the others are not.
    pub priority: Option<Priority>,
    pub owner: Option<String>,
    pub client: Option<String>,
    pub tags: Vec<String>,
    pub due: Option<When>,
    pub overdue: bool,
    pub waiting_on: Option<String>,
    pub waiting_reason: Option<String>,
    /// How long it has waited (`3 days`).
    pub waited: Option<String>,
    pub needs_proofing: bool,
    pub proofer: Option<String>,
    pub graphics: Option<String>,
    /// The graphics location when it is a web address that is safe to link to.
    pub graphics_link: Option<String>,
    pub updated_ago: String,
}

impl ItemRow {
    /// Formats `item` for people at `now` in `tz`.
    pub fn new(item: &WorkItemView, names: &Names, tz: Tz, now: DateTime<Utc>) -> ItemRow {
        let graphics = item
            .tbp_graphics_location
            .clone()
            .filter(|g| !g.trim().is_empty());
        ItemRow {
            id: item.id,
            key: item.key.clone(),
            title: item.title.clone(),
            status: item.status,
            priority: item.priority.is_raised().then_some(item.priority),
            owner: names.get(item.owner_id),
            client: item.client.clone().filter(|c| !c.is_empty()),
            tags: item.tags.clone(),
            due: item.due_at.map(|at| When::new(at, tz)),
            overdue: item.status.is_open() && item.due_at.is_some_and(|due| due < now),
            waiting_on: item
                .waiting_on_user_id
                .map(|id| names.get(Some(id)).unwrap_or_else(|| "someone".into())),
            waiting_reason: item.waiting_reason.clone().filter(|r| !r.is_empty()),
            waited: item
                .waiting_since
                .map(|since| duration_words((now - since).num_seconds())),
            needs_proofing: item.needs_proofing && item.proof_status == Some(ProofStatus::Pending),
            proofer: names.get(item.proofer_id),
            graphics_link: graphics.clone().filter(|g| is_web_address(g)),
            graphics,
            updated_ago: ago((now - item.updated_at).num_seconds()),
        }
    }
}

/// Only `http(s)://` addresses become links; anything else (a shared-drive path, or a
/// `javascript:` address someone typed) is shown as text.
pub fn is_web_address(text: &str) -> bool {
    let lower = text.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && !lower.contains(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_words(5), "just now");
        assert_eq!(duration_words(60), "1 minute");
        assert_eq!(duration_words(3 * 3_600 + 5), "3 hours");
        assert_eq!(duration_words(86_400), "1 day");
        assert_eq!(duration_words(13 * 86_400), "13 days");
        assert_eq!(duration_words(21 * 86_400), "3 weeks");
        assert_eq!(duration_words(-40), "just now");
        assert_eq!(ago(7_200), "2 hours ago");
        assert_eq!(ago(1), "just now");
    }

    #[test]
    fn only_web_addresses_are_linked() {
        assert!(is_web_address("https://drive.example.com/x"));
        assert!(is_web_address("HTTP://example.com"));
        assert!(!is_web_address("javascript:alert(1)"));
        assert!(!is_web_address("\\\\share\\graphics\\spring"));
        assert!(!is_web_address("https://example.com/a b"));
    }

    #[test]
    fn times_are_local() {
        let at: DateTime<Utc> = "2026-04-14T09:00:00Z".parse().unwrap();
        let london: Tz = "Europe/London".parse().unwrap();
        assert_eq!(local_time(at, london), "Tue 14 Apr 2026, 10:00");
        assert_eq!(local_clock(at, chrono_tz::UTC), "09:00");
        assert_eq!(machine_time(at), "2026-04-14T09:00:00Z");
    }
}
