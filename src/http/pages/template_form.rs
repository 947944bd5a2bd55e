//! The template form of the templates pages: what the browser posts, how it becomes a
//! [`TemplateInput`] for the service, and how a template (or a refused post) fills the form
//! again. Lists that JSON sends as arrays are plain text here, one entry a line, so the form
//! works without JavaScript.

use serde::Deserialize;

use crate::{
    db::entities::user,
    domain::{
        FieldErrors,
        work_item::{DeliverableType, ItemType, Priority},
        work_item_rules::ChecklistItem,
    },
    services::templates::{TemplateInput, TemplateSubtaskInput, TemplateView},
};

/// The fields of the create and edit forms, as posted. Every field is optional so that a
/// partial post is answered with field errors, not a bare 400.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TemplateForm {
    pub name: String,
    #[serde(rename = "type")]
    pub item_type: String,
    pub deliverable_type: String,
    pub priority: String,
    /// Separated by commas or spaces.
    pub tags: String,
    /// A checkbox: present when ticked.
    pub needs_proofing: Option<String>,
    /// One checklist entry a line.
    pub qc_checklist: String,
    pub default_owner_id: String,
    pub duration_days: String,
    pub description: String,
    /// One subtask a line: `Title | days from the due date`.
    pub subtasks: String,
}

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty())
}

/// `Write draft | -5` → (`Write draft`, -5); a line without `|` is due on the item's day.
fn parse_subtask(line: &str) -> Result<TemplateSubtaskInput, ()> {
    match line.rsplit_once('|') {
        Some((title, days)) => {
            let days = days.trim().trim_start_matches('+');
            let offset = days.parse::<i64>().map_err(|_| ())?;
            Ok(TemplateSubtaskInput {
                title: title.trim().to_string(),
                due_offset_days: offset,
            })
        }
        None => Ok(TemplateSubtaskInput {
            title: line.to_string(),
            due_offset_days: 0,
        }),
    }
}

fn nullable(raw: &str) -> Option<Option<String>> {
    let value = raw.trim();
    Some((!value.is_empty()).then(|| value.to_string()))
}

impl TemplateForm {
    /// The service's input; problems only the form can have (a number that is not one) are
    /// reported here, under the service's own field names.
    pub fn to_input(&self) -> Result<TemplateInput, FieldErrors> {
        let mut errors = FieldErrors::default();
        let duration_days = match self.duration_days.trim() {
            "" => Some(0),
            raw => match raw.parse::<i64>() {
                Ok(days) => Some(days),
                Err(_) => {
                    errors.add(
                        "durationDays",
                        "durationDays must be a whole number of days",
                    );
                    None
                }
            },
        };
        let mut subtasks = Vec::new();
        for (index, line) in lines(&self.subtasks).enumerate() {
            match parse_subtask(line) {
                Ok(step) => subtasks.push(step),
                Err(()) => errors.add(
                    "subtasks",
                    format!(
                        "line {}: after | give a whole number of days, e.g. “Write draft | -5”",
                        index + 1
                    ),
                ),
            }
        }
        errors.into_result()?;
        Ok(TemplateInput {
            name: Some(self.name.clone()),
            item_type: Some(self.item_type.trim().to_string()),
            deliverable_type: nullable(&self.deliverable_type),
            priority: Some(self.priority.trim().to_string()).filter(|p| !p.is_empty()),
            tags: Some(
                self.tags
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .collect(),
            ),
            needs_proofing: Some(self.needs_proofing.is_some()),
            qc_checklist: Some(
                lines(&self.qc_checklist)
                    .map(|label| ChecklistItem {
                        label: label.to_string(),
                        checked: false,
                    })
                    .collect(),
            ),
            default_owner_id: nullable(&self.default_owner_id),
            duration_days,
            description: Some(self.description.clone()),
            subtasks: Some(subtasks),
        })
    }

    /// The form filled with `template`'s values, for editing.
    pub fn from_view(template: &TemplateView) -> TemplateForm {
        TemplateForm {
            name: template.name.clone(),
            item_type: template.item_type.to_string(),
            deliverable_type: template
                .deliverable_type
                .map(|d| d.to_string())
                .unwrap_or_default(),
            priority: template.priority.to_string(),
            tags: template.tags.join(", "),
            needs_proofing: template.needs_proofing.then(|| "on".to_string()),
            qc_checklist: template
                .qc_checklist
                .iter()
                .map(|c| c.label.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            default_owner_id: template
                .default_owner_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            duration_days: template.duration_days.to_string(),
            description: template.description.clone(),
            subtasks: template
                .subtasks
                .iter()
                .map(|s| match s.due_offset_days {
                    0 => s.title.clone(),
                    days => format!("{} | {days}", s.title),
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// A blank form with the usual defaults.
    pub fn blank() -> TemplateForm {
        TemplateForm {
            item_type: ItemType::Deliverable.as_str().to_string(),
            priority: Priority::Normal.as_str().to_string(),
            duration_days: "0".to_string(),
            ..TemplateForm::default()
        }
    }
}

/// One `<option>` of a select.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn choices<'a>(values: impl Iterator<Item = (&'a str, String)>, current: &str) -> Vec<Choice> {
    values
        .map(|(value, label)| Choice {
            selected: value == current,
            value: value.to_string(),
            label,
        })
        .collect()
}

/// The options of the form's selects, with the form's values selected.
pub struct FormChoices {
    pub types: Vec<Choice>,
    pub deliverable_types: Vec<Choice>,
    pub priorities: Vec<Choice>,
    pub owners: Vec<Choice>,
}

impl FormChoices {
    /// `people` are the active people who may own items by default.
    pub fn new(form: &TemplateForm, people: &[user::Model]) -> FormChoices {
        use super::item_rows::code_label;
        let none = std::iter::once(("", "None".to_string()));
        FormChoices {
            types: choices(
                ItemType::ALL
                    .iter()
                    .map(|t| (t.as_str(), code_label(t.as_str()))),
                &form.item_type,
            ),
            deliverable_types: choices(
                none.chain(
                    DeliverableType::ALL
                        .iter()
                        .map(|d| (d.as_str(), code_label(d.as_str()))),
                ),
                &form.deliverable_type,
            ),
            priorities: choices(
                Priority::ALL
                    .iter()
                    .map(|p| (p.as_str(), code_label(p.as_str()))),
                &form.priority,
            ),
            owners: people
                .iter()
                .map(|person| Choice {
                    selected: person.id.to_string() == form.default_owner_id,
                    value: person.id.to_string(),
                    label: person.name.clone(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_lists_become_the_service_input() {
        let form = TemplateForm {
            name: "Newsletter".into(),
            item_type: "DELIVERABLE".into(),
            deliverable_type: "NEWSLETTER".into(),
            priority: "HIGH".into(),
            tags: "weekly, email  news".into(),
            needs_proofing: Some("on".into()),
            qc_checklist: "Links work\n\n  Spelling  \n".into(),
            default_owner_id: String::new(),
            duration_days: "3".into(),
            description: "Hello".into(),
            subtasks: "Draft | -3\nSend | +0\nCelebrate\nPipes | in | title | 2".into(),
        };
        let input = form.to_input().unwrap();
        assert_eq!(input.tags.unwrap(), ["weekly", "email", "news"]);
        assert_eq!(input.needs_proofing, Some(true));
        let checklist = input.qc_checklist.unwrap();
        assert_eq!(checklist.len(), 2);
        assert_eq!(checklist[1].label, "Spelling");
        assert_eq!(input.default_owner_id, Some(None), "blank clears the owner");
        assert_eq!(input.deliverable_type, Some(Some("NEWSLETTER".into())));
        assert_eq!(input.duration_days, Some(3));
        let steps = input.subtasks.unwrap();
        let steps: Vec<(&str, i64)> = steps
            .iter()
            .map(|s| (s.title.as_str(), s.due_offset_days))
            .collect();
        assert_eq!(
            steps,
            [
                ("Draft", -3),
                ("Send", 0),
                ("Celebrate", 0),
                ("Pipes | in | title", 2)
            ]
        );
    }

    #[test]
    fn numbers_that_are_not_numbers_are_named() {
        let form = TemplateForm {
            duration_days: "a week".into(),
            subtasks: "Fine\nDraft | soon".into(),
            ..TemplateForm::blank()
        };
        let errors = form.to_input().unwrap_err();
        assert!(errors.0.contains_key("durationDays"));
        assert!(errors.0["subtasks"][0].starts_with("line 2"));
    }

    #[test]
    fn an_unticked_checkbox_means_no_proofing() {
        let input = TemplateForm::blank().to_input().unwrap();
        assert_eq!(input.needs_proofing, Some(false));
        assert_eq!(input.duration_days, Some(0));
        assert_eq!(input.subtasks.unwrap().len(), 0);
    }
}
