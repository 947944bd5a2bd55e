//! The pieces of the cadences pages: rows as shown, the form and its values, and the names
//! and choices looked up for them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    app::App,
    domain::{
        FieldErrors,
        recurrence_picker::{self, PickerFields},
    },
    services::{
        ServiceError,
        cadences::{self, CadenceInput, CadenceView},
        people, templates,
    },
};

/// A cadence as the pages show it.
pub(super) struct CadenceRow {
    pub(super) id: Uuid,
    pub(super) name: String,
    pub(super) slug: String,
    pub(super) rrule: String,
    pub(super) due_time: String,
    pub(super) lead_days: i32,
    pub(super) template: String,
    pub(super) owner: String,
    pub(super) active: bool,
    pub(super) next: String,
}

/// One upcoming occurrence in the preview.
pub(super) struct PreviewRow {
    pub(super) when: String,
    pub(super) key: String,
    pub(super) created: bool,
}

/// An option of a select.
pub(super) struct Choice {
    pub(super) value: String,
    pub(super) label: String,
    pub(super) selected: bool,
}

/// What the form holds: the stored values, or what was typed when a save was refused.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CadenceForm {
    #[serde(default)]
    pub(super) name: String,
    #[serde(default)]
    pub(super) slug: String,
    #[serde(default)]
    pub(super) template_id: String,
    #[serde(default)]
    pub(super) owner_id: String,
    #[serde(default)]
    pub(super) rrule: String,
    #[serde(default)]
    pub(super) due_time: String,
    #[serde(default)]
    pub(super) lead_days: String,
    /// A checkbox: present ("true") when ticked.
    pub(super) active: Option<String>,
    /// The recurrence picker; `custom` (or blank) means the raw rule above is used.
    #[serde(default)]
    pub(super) repeat: String,
    #[serde(default)]
    pub(super) interval: String,
    /// One checkbox per weekday (a form cannot send a list to this decoder).
    pub(super) wd_mo: Option<String>,
    pub(super) wd_tu: Option<String>,
    pub(super) wd_we: Option<String>,
    pub(super) wd_th: Option<String>,
    pub(super) wd_fr: Option<String>,
    pub(super) wd_sa: Option<String>,
    pub(super) wd_su: Option<String>,
    #[serde(default)]
    pub(super) month_day: String,
    #[serde(default)]
    pub(super) nth: String,
    #[serde(default)]
    pub(super) nth_weekday: String,
}

impl CadenceForm {
    pub(super) fn from_view(view: &CadenceView) -> CadenceForm {
        CadenceForm {
            name: view.name.clone(),
            slug: view.slug.clone(),
            template_id: view.template_id.to_string(),
            owner_id: view.owner_id.map(|id| id.to_string()).unwrap_or_default(),
            rrule: view.rrule.clone(),
            due_time: view.due_time.clone(),
            lead_days: view.lead_days.to_string(),
            active: view.active.then(|| "true".to_string()),
            // A stored rule shows as it is; the picker starts from "custom".
            repeat: "custom".into(),
            ..CadenceForm::default()
        }
    }

    pub(super) fn blank() -> CadenceForm {
        CadenceForm {
            due_time: "10:00".into(),
            lead_days: "14".into(),
            active: Some("true".into()),
            repeat: "weekly".into(),
            interval: "1".into(),
            wd_mo: Some("true".into()),
            month_day: "1".into(),
            nth: "1".into(),
            nth_weekday: "MO".into(),
            ..CadenceForm::default()
        }
    }

    /// Whether the weekday `code` (`MO` …) is ticked in the picker.
    pub(super) fn weekday_ticked(&self, code: &str) -> bool {
        self.weekday_boxes()
            .iter()
            .any(|(c, ticked)| *c == code && *ticked)
    }

    fn weekday_boxes(&self) -> [(&'static str, bool); 7] {
        [
            ("MO", self.wd_mo.is_some()),
            ("TU", self.wd_tu.is_some()),
            ("WE", self.wd_we.is_some()),
            ("TH", self.wd_th.is_some()),
            ("FR", self.wd_fr.is_some()),
            ("SA", self.wd_sa.is_some()),
            ("SU", self.wd_su.is_some()),
        ]
    }

    /// Fills what the person left to the form: the rule from the picker (unless it is set to
    /// a custom rule) and, when `with_slug`, a blank slug from the name. Refuses a picker
    /// choice that makes no rule, under the `rrule` field.
    pub(super) fn resolve(&mut self, with_slug: bool) -> Result<(), FieldErrors> {
        if with_slug && self.slug.trim().is_empty() {
            self.slug = recurrence_picker::slug_from_name(&self.name);
        }
        let repeat = self.repeat.trim();
        if repeat.is_empty() || repeat == "custom" {
            return Ok(());
        }
        let fields = PickerFields {
            repeat: repeat.to_string(),
            interval: self.interval.clone(),
            weekdays: self
                .weekday_boxes()
                .iter()
                .filter(|(_, ticked)| *ticked)
                .map(|(code, _)| code.to_string())
                .collect(),
            month_day: self.month_day.clone(),
            nth: self.nth.clone(),
            nth_weekday: self.nth_weekday.clone(),
        };
        match recurrence_picker::build_rrule(&fields) {
            Ok(rule) => {
                self.rrule = rule;
                Ok(())
            }
            Err(problem) => {
                let mut errors = FieldErrors::default();
                errors.add("rrule", problem.0);
                Err(errors)
            }
        }
    }

    pub(super) fn is_active(&self) -> bool {
        self.active.is_some()
    }

    /// The request the service checks. An empty owner means "the template's default owner";
    /// a lead that is not a number is passed on as one the service refuses with its message.
    pub(super) fn to_input(&self, with_slug: bool) -> CadenceInput {
        let text = |value: &str| Some(value.trim().to_string());
        CadenceInput {
            name: text(&self.name),
            slug: if with_slug { text(&self.slug) } else { None },
            template_id: text(&self.template_id),
            owner_id: Some(Some(self.owner_id.trim().to_string()).filter(|o| !o.is_empty())),
            rrule: text(&self.rrule),
            due_time: text(&self.due_time),
            lead_days: Some(self.lead_days.trim().parse().unwrap_or(i64::MIN)),
            active: Some(self.is_active()),
        }
    }
}

pub(super) fn local_when(at: DateTime<Utc>, tz: Tz) -> String {
    crate::domain::local_time::when(at, tz)
}

/// The names and choices the pages need: templates and people (two queries).
pub(super) struct Lookups {
    pub(super) templates: Vec<(Uuid, String)>,
    pub(super) people: HashMap<Uuid, (String, bool)>,
}

impl Lookups {
    pub(super) async fn load(app: &App) -> Result<Lookups, ServiceError> {
        let templates = templates::list(&app.db)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect();
        let people = people::list(app.db.conn(), true)
            .await?
            .into_iter()
            .map(|p| (p.id, (p.name, p.active)))
            .collect();
        Ok(Lookups { templates, people })
    }

    pub(super) fn row(&self, view: &CadenceView, tz: Tz, now: DateTime<Utc>) -> CadenceRow {
        let template = self
            .templates
            .iter()
            .find(|(id, _)| *id == view.template_id)
            .map(|(_, name)| name.clone())
            .unwrap_or_default();
        let owner = match view.owner_id.and_then(|id| self.people.get(&id)) {
            Some((name, _)) => name.clone(),
            None => "The template's default owner".to_string(),
        };
        let next = cadences::next_occurrence(view, tz, now)
            .map(|o| local_when(o.due_at, tz))
            .unwrap_or_else(|| "No more occurrences".to_string());
        CadenceRow {
            id: view.id,
            name: view.name.clone(),
            slug: view.slug.clone(),
            rrule: view.rrule.clone(),
            due_time: view.due_time.clone(),
            lead_days: view.lead_days,
            template,
            owner,
            active: view.active,
            next,
        }
    }

    pub(super) fn template_choices(&self, selected: &str) -> Vec<Choice> {
        self.templates
            .iter()
            .map(|(id, name)| Choice {
                value: id.to_string(),
                label: name.clone(),
                selected: id.to_string() == selected,
            })
            .collect()
    }

    pub(super) fn owner_choices(&self, selected: &str) -> Vec<Choice> {
        let mut owners: Vec<Choice> = self
            .people
            .iter()
            .filter(|(_, (_, active))| *active)
            .map(|(id, (name, _))| Choice {
                value: id.to_string(),
                label: name.clone(),
                selected: id.to_string() == selected,
            })
            .collect();
        owners.sort_by(|a, b| a.label.cmp(&b.label));
        owners
    }
}
