//! The item page's one form, both ways: an item as the values its controls show, and a posted
//! form (all of it, or just the controls one autosave sends) as one change to the item.
//!
//! A control that is not posted is left alone, so the same parsing serves the Save button
//! (everything) and an autosave (one group of controls). Check boxes are posted with a hidden
//! `false` before them, so an unticked box still says so.

use chrono_tz::Tz;
use serde::Serialize;

use super::{item_forms::local_time, present};
use crate::{
    domain::{FieldErrors, work_item_rules::ChecklistItem},
    services::work_items::{WorkItemView, input::WorkItemChanges, qc::DecisionInput},
};

/// What each control of the item page shows, keyed by the control's name.
#[derive(Debug, Clone, Serialize)]
pub struct FormValues {
    pub title: String,
    pub description: String,
    pub status: String,
    pub priority: String,
    #[serde(rename = "type")]
    pub item_type: String,
    pub owner_id: String,
    pub start_at: String,
    pub due_at: String,
    pub deliverable_type: String,
    pub client: String,
    pub tags: String,
    pub waiting_on_user_id: String,
    pub waiting_reason: String,
    pub needs_proofing: bool,
    pub proofer_id: String,
    pub tbp_graphics_location: String,
    pub qc_notes: String,
    pub checklist: Vec<ChecklistItem>,
}

fn id_text(id: Option<uuid::Uuid>) -> String {
    id.map(|id| id.to_string()).unwrap_or_default()
}

impl FormValues {
    /// The stored item, with times in the reader's zone.
    pub fn of(item: &WorkItemView, tz: Tz) -> FormValues {
        FormValues {
            title: item.title.clone(),
            description: item.description.clone(),
            status: item.status.to_string(),
            priority: item.priority.to_string(),
            item_type: item.item_type.to_string(),
            owner_id: id_text(item.owner_id),
            start_at: present::local_input(item.start_at, tz),
            due_at: present::local_input(item.due_at, tz),
            deliverable_type: item
                .deliverable_type
                .map(|kind| kind.to_string())
                .unwrap_or_default(),
            client: item.client.clone().unwrap_or_default(),
            tags: item.tags.join(" "),
            waiting_on_user_id: id_text(item.waiting_on_user_id),
            waiting_reason: item.waiting_reason.clone().unwrap_or_default(),
            needs_proofing: item.needs_proofing,
            proofer_id: id_text(item.proofer_id),
            tbp_graphics_location: item.tbp_graphics_location.clone().unwrap_or_default(),
            qc_notes: item.qc_notes.clone().unwrap_or_default(),
            checklist: item.qc_checklist.clone(),
        }
    }

    /// The values a person typed, kept over the stored ones (after someone else's change
    /// stopped their save).
    pub fn keep_typed(&mut self, posted: &Posted) {
        let text = |key: &str, into: &mut String| {
            if let Some(value) = posted.get(key) {
                *into = value.to_string();
            }
        };
        text("title", &mut self.title);
        text("description", &mut self.description);
        text("status", &mut self.status);
        text("priority", &mut self.priority);
        text("type", &mut self.item_type);
        text("owner_id", &mut self.owner_id);
        text("start_at", &mut self.start_at);
        text("due_at", &mut self.due_at);
        text("deliverable_type", &mut self.deliverable_type);
        text("client", &mut self.client);
        text("tags", &mut self.tags);
        text("waiting_on_user_id", &mut self.waiting_on_user_id);
        text("waiting_reason", &mut self.waiting_reason);
        text("proofer_id", &mut self.proofer_id);
        text("tbp_graphics_location", &mut self.tbp_graphics_location);
        text("qc_notes", &mut self.qc_notes);
        if let Some(needs) = posted.flag("needs_proofing") {
            self.needs_proofing = needs;
        }
        if let Some(checklist) = posted.checklist(&self.checklist) {
            self.checklist = checklist;
        }
    }
}

/// A posted form as name/value pairs, in order (a name may come twice: hidden `false`, then
/// the ticked box's `true`).
pub struct Posted(pub Vec<(String, String)>);

impl Posted {
    /// The last value posted under `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A check box: `Some(true)` when any posted value is `true`, `None` when not posted.
    pub fn flag(&self, key: &str) -> Option<bool> {
        let mut values = self.0.iter().filter(|(k, _)| k == key).peekable();
        values.peek()?;
        Some(values.any(|(_, v)| v == "true" || v == "on" || v == "yes"))
    }

    /// Text as typed, with the browser's CRLF line ends made plain.
    fn text(&self, key: &str) -> Option<String> {
        self.get(key).map(|v| v.replace("\r\n", "\n"))
    }

    fn optional(&self, key: &str) -> Option<Option<String>> {
        self.text(key)
            .map(|v| Some(v.trim().to_string()).filter(|v| !v.is_empty()))
    }

    /// The checklist as posted: entries `label_N` with their `checked_N` boxes, then a new
    /// entry from `label_new`. `None` when no checklist control was posted.
    pub fn checklist(&self, stored: &[ChecklistItem]) -> Option<Vec<ChecklistItem>> {
        let mut entries: Vec<(usize, ChecklistItem)> = self
            .0
            .iter()
            .filter_map(|(key, label)| {
                let index = key.strip_prefix("label_")?.parse::<usize>().ok()?;
                Some((index, label))
            })
            .map(|(index, label)| {
                let checked = self.flag(&format!("checked_{index}")).unwrap_or(false);
                (
                    index,
                    ChecklistItem {
                        label: label.clone(),
                        checked,
                    },
                )
            })
            .collect();
        let new = self
            .get("label_new")
            .map(str::trim)
            .filter(|label| !label.is_empty());
        if entries.is_empty() && new.is_none() {
            return None;
        }
        entries.sort_by_key(|(index, _)| *index);
        entries.dedup_by_key(|(index, _)| *index);
        let mut list: Vec<ChecklistItem> = if entries.is_empty() {
            // Only a new entry was posted: it joins the stored list.
            stored.to_vec()
        } else {
            entries.into_iter().map(|(_, entry)| entry).collect()
        };
        if let Some(label) = new {
            list.push(ChecklistItem {
                label: label.to_string(),
                checked: false,
            });
        }
        Some(list)
    }

    /// The change this form asks for, against the item as stored. Times are read in `tz`, and
    /// a time that shows the same minute as the stored one is no change (the form has no
    /// seconds). A time the clocks skip refuses the whole change.
    pub fn changes(&self, current: &WorkItemView, tz: Tz) -> Result<WorkItemChanges, FieldErrors> {
        let shown = FormValues::of(current, tz);
        let mut errors = FieldErrors::default();
        // Compared as times, not text: `2026-12-08T09:00` and `2026-12-08 09:00` are the same.
        let mut time = |key: &str, field: &str, shown: &str| {
            let typed = local_time(Some(self.get(key)?), tz)
                .map_err(|problem| errors.add(field, problem))
                .ok()?;
            (typed != local_time(Some(shown), tz).unwrap_or_default()).then_some(typed)
        };
        let start_at = time("start_at", "startAt", &shown.start_at);
        let due_at = time("due_at", "dueAt", &shown.due_at);
        if !errors.is_empty() {
            return Err(errors);
        }
        let waiting = self.optional("waiting_on_user_id");
        let reason = self.text("waiting_reason");
        Ok(WorkItemChanges {
            title: self.text("title"),
            description: self.text("description"),
            item_type: self.text("type"),
            status: self.text("status"),
            priority: self.text("priority"),
            owner_id: self.optional("owner_id"),
            start_at,
            due_at,
            tags: self.get("tags").map(|t| {
                t.split([' ', ','])
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .collect()
            }),
            deliverable_type: self.optional("deliverable_type"),
            client: self.optional("client"),
            // A reason means something only while the item waits on someone.
            waiting_reason: match &waiting {
                Some(None) => None,
                _ => reason,
            },
            waiting_on_user_id: waiting,
            needs_proofing: self.flag("needs_proofing"),
            proofer_id: self.optional("proofer_id"),
            tbp_graphics_location: self.optional("tbp_graphics_location"),
            qc_notes: self.optional("qc_notes"),
            qc_checklist: self.checklist(&current.qc_checklist),
            ..Default::default()
        })
    }

    /// A decision (Approve or Request changes) when one of those buttons sent the form.
    pub fn decision(&self) -> DecisionInput {
        DecisionInput {
            verdict: self.get("decision").map(str::to_string),
            note: self.text("note"),
            confirm_unticked: self.flag("confirm_unticked").unwrap_or(false),
        }
    }

    pub fn version(&self) -> Option<i32> {
        self.get("version").and_then(|v| v.trim().parse().ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(pairs: &[(&str, &str)]) -> Posted {
        Posted(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn a_box_says_ticked_or_not_only_when_posted() {
        let form = posted(&[("a", "false"), ("a", "true"), ("b", "false")]);
        assert_eq!(form.flag("a"), Some(true));
        assert_eq!(form.flag("b"), Some(false));
        assert_eq!(form.flag("c"), None);
    }

    #[test]
    fn the_checklist_comes_back_in_order_with_its_ticks() {
        let form = posted(&[
            ("label_1", "Alt text"),
            ("checked_1", "false"),
            ("label_0", "Links"),
            ("checked_0", "false"),
            ("checked_0", "true"),
            ("label_new", " Spelling "),
        ]);
        let list = form.checklist(&[]).unwrap();
        let shown: Vec<(&str, bool)> = list.iter().map(|e| (e.label.as_str(), e.checked)).collect();
        assert_eq!(
            shown,
            [("Links", true), ("Alt text", false), ("Spelling", false)]
        );
        let stored = [ChecklistItem {
            label: "Links".into(),
            checked: true,
        }];
        assert_eq!(
            posted(&[("label_new", "More")])
                .checklist(&stored)
                .unwrap()
                .len(),
            2,
            "a new entry alone joins the stored list"
        );
        assert!(posted(&[("label_new", " ")]).checklist(&stored).is_none());
    }
}
