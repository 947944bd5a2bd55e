//! Turning work items into what pages show: names instead of ids, local times, badges. Done
//! once per page with the people loaded in one query — never a query per card.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use crate::{
    app::App,
    db::time,
    domain::work_item::{ItemType, Priority, ProofStatus, Status},
    services::{ServiceError, people, work_items::WorkItemView},
};

/// Everyone's display name by id (inactive people too: old items still name them).
pub async fn names(app: &App) -> Result<HashMap<Uuid, String>, ServiceError> {
    Ok(people::list(app.db.conn(), true)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect())
}

/// A time as the reader reads it, in their zone: "Wed 26 Nov 2026, 17:00".
pub fn local(at: DateTime<Utc>, tz: Tz) -> String {
    crate::domain::local_time::when(at, tz)
}

/// The value of a time field: `2026-12-08 17:30`, 24-hour in the reader's zone. A text field
/// rather than `datetime-local`, whose clock follows the browser's locale (12-hour in en-US).
pub fn local_input(at: Option<DateTime<Utc>>, tz: Tz) -> String {
    at.map(|at| at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// How long ago, roughly: "3 days", "5 hours", "12 minutes".
pub fn waited(since: DateTime<Utc>) -> String {
    let seconds = (time::now() - since).num_seconds().max(0);
    let (amount, unit) = match seconds {
        s if s >= 86_400 => (s / 86_400, "day"),
        s if s >= 3_600 => (s / 3_600, "hour"),
        s => ((s / 60).max(1), "minute"),
    };
    format!("{amount} {unit}{}", if amount == 1 { "" } else { "s" })
}

/// A board card or list row, ready to print.
pub struct CardView {
    pub id: Uuid,
    /// `OPS-12`: shown on the card, and its link's address.
    pub key: String,
    pub title: String,
    pub version: i32,
    pub rank: String,
    pub status: Status,
    pub item_type: ItemType,
    pub priority: Priority,
    pub owner: Option<String>,
    pub due: Option<String>,
    /// The due day alone ("15 Dec"), for compact cards.
    pub due_day: Option<String>,
    pub overdue: bool,
    pub tags: Vec<String>,
    pub waiting: Option<String>,
    /// "Waiting on Morgan": the first name only, for compact cards.
    pub waiting_short: Option<String>,
    /// Where proofing stands, when the item needs it (not yet decided reads as pending).
    pub proof: Option<ProofStatus>,
    /// The same, as people read it ("Needs proofing").
    pub proofing: Option<&'static str>,
    pub client: Option<String>,
}

impl CardView {
    pub fn new(item: &WorkItemView, names: &HashMap<Uuid, String>, tz: Tz) -> CardView {
        let open = item.status.is_open();
        let proof = item
            .needs_proofing
            .then(|| item.proof_status.unwrap_or(ProofStatus::Pending));
        CardView {
            id: item.id,
            key: item.key.clone(),
            title: item.title.clone(),
            version: item.version,
            rank: item.rank.clone(),
            status: item.status,
            item_type: item.item_type,
            priority: item.priority,
            owner: item.owner_id.and_then(|id| names.get(&id).cloned()),
            due: item.due_at.map(|at| local(at, tz)),
            due_day: item
                .due_at
                .map(|at| at.with_timezone(&tz).format("%-d %b").to_string()),
            overdue: open && item.due_at.is_some_and(|at| at < time::now()),
            tags: item.tags.clone(),
            // Finished work waits on nobody, whatever an older row still holds.
            waiting: item.waiting_on_user_id.filter(|_| open).map(|id| {
                let who = names.get(&id).cloned().unwrap_or_else(|| "someone".into());
                let since = item.waiting_since.map(waited).unwrap_or_default();
                format!("Waiting on {who} · {since}")
            }),
            waiting_short: item.waiting_on_user_id.filter(|_| open).map(|id| {
                let who = names.get(&id).map(String::as_str).unwrap_or("someone");
                format!(
                    "Waiting on {}",
                    who.split_whitespace().next().unwrap_or(who)
                )
            }),
            proof,
            proofing: proof.map(ProofStatus::label),
            client: item.client.clone(),
        }
    }

    /// The owner's initials for the card's avatar: "Diego Alvarez" → "DA", "Priya" → "PR".
    pub fn initials(&self) -> String {
        self.owner.as_deref().map(initials).unwrap_or_default()
    }

    /// Proofing in a word or two, for compact cards: "To proof", "Proofed", "Changes".
    pub fn proofing_short(&self) -> &'static str {
        self.proof.map_or("", ProofStatus::short_label)
    }

    /// Whether a compact card has any chip to show.
    pub fn has_chips(&self) -> bool {
        self.due.is_some()
            || self.priority.is_raised()
            || self.waiting.is_some()
            || self.proofing.is_some()
            || !self.tags.is_empty()
    }

    pub fn proof_approved(&self) -> bool {
        self.proof == Some(ProofStatus::Approved)
    }
}

/// Up to two letters that stand for a name: the first and last word's initials, or the first
/// two letters of a one-word name.
pub fn initials(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let letters: String = match words.as_slice() {
        [] => String::new(),
        [only] => only.chars().take(2).collect(),
        [first, .., last] => first.chars().take(1).chain(last.chars().take(1)).collect(),
    };
    letters.to_uppercase()
}

/// A status for people: `IN_PROGRESS` → "In progress".
pub fn status_label(status: &str) -> String {
    sentence_case(&status.replace('_', " ").to_lowercase())
}

/// A phrase as a sentence starts: `created an item` → `Created an item`.
pub fn sentence_case(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{initials, status_label};

    #[test]
    fn initials_take_the_first_and_last_name() {
        assert_eq!(initials("Diego Alvarez"), "DA");
        assert_eq!(initials("Mary Ann de la Cruz"), "MC");
        assert_eq!(initials("priya"), "PR");
        assert_eq!(initials("Émile Zola"), "ÉZ");
        assert_eq!(initials("  "), "");
    }

    #[test]
    fn statuses_read_as_words() {
        assert_eq!(status_label("IN_PROGRESS"), "In progress");
        assert_eq!(status_label("DONE"), "Done");
    }
}
