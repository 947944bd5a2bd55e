//! The "Changes" cell of the audit page in people's words: each field by its label, times in
//! the reader's zone (24-hour), people by name, codes as words, yes and no for flags.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::Value;
use uuid::Uuid;

use super::{field_words, item_rows::Names, present};

/// One changed field of an entry.
pub struct Change {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// The longest value shown, in characters; longer ones are cut and marked.
pub const VALUE_CHARS: usize = 80;

/// A field's label: the page's own where it has one, else its API name as words
/// (`completedAt` → `Completed at`).
fn field_label(field: &str) -> String {
    let known = field_words::label(field);
    if known != field {
        return known.to_string();
    }
    let field = field.strip_suffix("Id").unwrap_or(field);
    let mut words = String::new();
    for c in field.chars() {
        if c.is_ascii_uppercase() {
            words.push(' ');
        }
        words.push(c.to_ascii_lowercase());
    }
    present::status_label(&words.replace(' ', "_"))
}

/// Who reads the page: names for ids, a zone for times.
pub struct Reader<'a> {
    pub names: &'a Names,
    pub tz: Tz,
}

impl Reader<'_> {
    fn words(&self, value: &Value) -> String {
        match value {
            Value::Null => "—".to_string(),
            Value::Bool(true) => "Yes".to_string(),
            Value::Bool(false) => "No".to_string(),
            Value::String(text) => self.text(text),
            Value::Array(list) if list.iter().all(Value::is_string) => {
                let shown: Vec<String> = list.iter().map(|v| self.words(v)).collect();
                if shown.is_empty() {
                    "—".to_string()
                } else {
                    shown.join(", ")
                }
            }
            Value::Array(list) => list
                .iter()
                .map(|entry| match entry.get("label").and_then(Value::as_str) {
                    Some(label) if entry.get("checked") == Some(&Value::Bool(true)) => {
                        format!("{label} ✓")
                    }
                    Some(label) => label.to_string(),
                    None => self.words(entry),
                })
                .collect::<Vec<_>>()
                .join(", "),
            other => other.to_string(),
        }
    }

    fn text(&self, text: &str) -> String {
        if let Ok(at) = text.parse::<DateTime<Utc>>() {
            return present::local(at, self.tz);
        }
        if let Ok(id) = text.parse::<Uuid>() {
            return self
                .names
                .get(Some(id))
                .unwrap_or_else(|| "someone no longer here".to_string());
        }
        let code = !text.is_empty()
            && text.chars().all(|c| c.is_ascii_uppercase() || c == '_')
            && text.chars().any(|c| c.is_ascii_uppercase());
        if code {
            present::status_label(text)
        } else {
            text.to_string()
        }
    }

    fn shown(&self, value: Option<&Value>) -> String {
        let text = self.words(value.unwrap_or(&Value::Null));
        if text.chars().count() > VALUE_CHARS {
            let cut: String = text.chars().take(VALUE_CHARS - 1).collect();
            format!("{cut}…")
        } else {
            text
        }
    }

    /// The fields of `before` and `after`, each once: those of `after` first, then any that
    /// only `before` has (a field that was cleared). A field that reads the same both sides is
    /// left out, and so is the item's version (a counter, not a change people make).
    pub fn changes(&self, before: Option<&Value>, after: Option<&Value>) -> Vec<Change> {
        let field_names = |value: Option<&Value>| -> Vec<String> {
            match value {
                Some(Value::Object(map)) => map.keys().cloned().collect(),
                _ => Vec::new(),
            }
        };
        let mut names = field_names(after);
        for name in field_names(before) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
            .into_iter()
            .filter(|field| field != "version")
            .map(|field| {
                let (old, new) = (
                    before.and_then(|b| b.get(&field)),
                    after.and_then(|a| a.get(&field)),
                );
                if field == "description" {
                    // Only a digest is kept: say whether there was text, not its hash.
                    let said = |v: Option<&Value>| match v {
                        None | Some(Value::Null) => "—".to_string(),
                        Some(_) => "(text)".to_string(),
                    };
                    return Change {
                        before: said(old),
                        after: if old == new {
                            said(new)
                        } else {
                            "(new text)".to_string()
                        },
                        field: field_label(&field),
                    };
                }
                Change {
                    before: self.shown(old),
                    after: self.shown(new),
                    field: field_label(&field),
                }
            })
            .filter(|change| change.before != change.after)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn changes_pair_before_and_after_in_peoples_words() {
        let priya = Uuid::now_v7();
        let names = Names::from_pairs([(priya, "Priya Shah".to_string())]);
        let reader = Reader {
            names: &names,
            tz: chrono_tz::America::New_York,
        };
        let before = json!({"status": "PLANNED", "ownerId": priya, "needsProofing": false,
            "client": null, "version": 1});
        let after = json!({"status": "IN_REVIEW", "title": "x".repeat(100),
            "completedAt": "2026-12-08T14:00:00Z", "ownerId": null, "needsProofing": true,
            "tags": ["web", "print"], "client": null, "version": 2,
            "description": "e3b0c44298fc1c14", "proofedById": null});
        let list = reader.changes(Some(&before), Some(&after));
        let shown: Vec<(&str, &str, &str)> = list
            .iter()
            .map(|c| (c.field.as_str(), c.before.as_str(), c.after.as_str()))
            .filter(|(field, _, _)| *field != "Title")
            .collect();
        assert_eq!(
            shown,
            [
                ("Completed at", "—", "Tue 8 Dec 2026, 09:00"),
                ("Description", "—", "(new text)"),
                ("Needs proofing", "No", "Yes"),
                ("Owner", "Priya Shah", "—"),
                ("Status", "Planned", "In review"),
                ("Tags", "—", "web, print"),
            ]
        );
        let title = list.iter().find(|c| c.field == "Title").unwrap();
        assert!(title.after.ends_with('…') && title.after.chars().count() == VALUE_CHARS);
        assert!(reader.changes(None, Some(&json!("text"))).is_empty());
    }
}
