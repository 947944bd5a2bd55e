//! The audit log page (`/admin/audit`, admins, docs/PRODUCT.md §8): newest first, filtered by actor,
//! action, item and a range of local days through a GET form (so a filtered view is a link),
//! and paged with an "Older entries" link carrying the service's cursor.

use askama::Template;
use axum::{
    extract::{RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use chrono::NaiveDate;
use chrono_tz::Tz;
use uuid::Uuid;

use super::{
    Chrome,
    audit_changes::{Change, Reader},
    error_page,
    item_rows::{Names, When},
    present, render,
    template_form::Choice,
};
use crate::{
    app::App,
    domain::{FieldErrors, audit_action::AuditAction, local_day_start},
    http::{api::query::query_pairs, extract::RequireAdmin},
    services::{
        audit_query::{self, AuditRecord},
        people,
    },
};

/// The filter form's values, as typed (kept to fill the form again).
#[derive(Default)]
struct Filters {
    actor: String,
    action: String,
    item: String,
    from: String,
    to: String,
    /// Entries per page (the service's default unless a link asks for another).
    limit: String,
    cursor: String,
}

impl Filters {
    fn read(pairs: &[(String, String)]) -> Filters {
        let mut filters = Filters::default();
        for (name, value) in pairs {
            let value = value.trim().to_string();
            match name.as_str() {
                "actor" => filters.actor = value,
                "action" => filters.action = value,
                "item" => filters.item = value,
                "from" => filters.from = value,
                "to" => filters.to = value,
                "limit" => filters.limit = value,
                "cursor" => filters.cursor = value,
                // A stray parameter (a bookmarklet, a typo) should not cost the page.
                _ => {}
            }
        }
        filters
    }

    /// The service's parameters: ids as they are, local days as RFC 3339 instants (`to`
    /// includes its whole day), and an item given as its page address reduced to its id.
    fn to_query(&self, tz: Tz) -> Result<audit_query::AuditQuery, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut day = |name: &str, raw: &str, end: bool| {
            if raw.is_empty() {
                return;
            }
            let start = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .ok()
                .and_then(|d| if end { d.succ_opt() } else { Some(d) })
                .and_then(|d| local_day_start(d, tz));
            match start {
                Some(at) => pairs.push((name.to_string(), at.to_rfc3339())),
                None => errors.add(name, format!("{name} must be a date such as 2026-03-01")),
            }
        };
        day("from", &self.from, false);
        day("to", &self.to, true);
        let item = self.item.rsplit('/').next().unwrap_or_default();
        for (name, value) in [
            ("actorId", self.actor.as_str()),
            ("action", self.action.as_str()),
            ("workItemId", item),
            ("limit", self.limit.as_str()),
            ("cursor", self.cursor.as_str()),
        ] {
            if !value.is_empty() {
                pairs.push((name.to_string(), value.to_string()));
            }
        }
        let parsed = audit_query::parse(&pairs);
        match (parsed, errors.is_empty()) {
            (Ok(query), true) => Ok(query),
            (Ok(_), false) => Err(errors),
            (Err(more), _) => {
                for (field, problems) in more.0 {
                    let shown = match field.as_str() {
                        "actorId" => "actor",
                        "workItemId" => "item",
                        other => other,
                    };
                    for problem in problems {
                        errors.add(shown, problem);
                    }
                }
                Err(errors)
            }
        }
    }

    /// This view's address, at `cursor` (or at the newest entries).
    fn link_with_cursor(&self, cursor: Option<&str>) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("actor", &self.actor),
            ("action", &self.action),
            ("item", &self.item),
            ("from", &self.from),
            ("to", &self.to),
            ("limit", &self.limit),
        ] {
            if !value.is_empty() {
                query.append_pair(name, value);
            }
        }
        if let Some(cursor) = cursor {
            query.append_pair("cursor", cursor);
        }
        match query.finish() {
            query if query.is_empty() => "/admin/audit".to_string(),
            query => format!("/admin/audit?{query}"),
        }
    }
}

/// An entry as the page shows it.
struct EntryRow {
    when: When,
    actor: String,
    action: String,
    summary: String,
    work_item_id: Option<Uuid>,
    changes: Vec<Change>,
    ip: String,
    request_id: String,
}

/// What the actor did, in words: "Created an item" (an action this release does not know,
/// from an older one, shows its code rather than nothing).
fn action_words(code: &str) -> String {
    match code.parse::<AuditAction>() {
        Ok(action) => present::sentence_case(action.label()),
        Err(_) => code.to_string(),
    }
}

impl EntryRow {
    fn new(entry: AuditRecord, reader: &Reader) -> EntryRow {
        EntryRow {
            when: When::new(entry.created_at, reader.tz),
            actor: reader
                .names
                .get(entry.actor_id)
                .unwrap_or_else(|| "System or visitor".into()),
            changes: reader.changes(entry.before.as_ref(), entry.after.as_ref()),
            summary: entry.summary.unwrap_or_default(),
            action: action_words(&entry.action),
            work_item_id: entry.work_item_id,
            ip: entry.ip.unwrap_or_default(),
            request_id: entry.request_id.unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage<'a> {
    chrome: &'a Chrome,
    filters: Filters,
    actors: Vec<Choice>,
    actions: Vec<Choice>,
    errors: FieldErrors,
    entries: Vec<EntryRow>,
    older: Option<String>,
    /// The first page of the same filters, when this is a later page.
    newest: Option<String>,
    timezone: String,
}

impl AuditPage<'_> {
    /// The problems of `field`, as one sentence (empty when there are none).
    fn error(&self, field: &str) -> String {
        self.errors
            .0
            .get(field)
            .map(|problems| problems.join("; "))
            .unwrap_or_default()
    }
}

/// The action filter's options: every action by its words, alphabetically; the value is the
/// code the service filters by.
fn action_choices(chosen: &str) -> Vec<Choice> {
    let mut choices: Vec<Choice> = AuditAction::ALL
        .iter()
        .map(|action| Choice {
            selected: action.as_str() == chosen,
            value: action.as_str().to_string(),
            label: present::sentence_case(action.label()),
        })
        .collect();
    choices.sort_by(|a, b| a.label.cmp(&b.label));
    choices
}

/// `GET /admin/audit?actor=&action=&item=&from=&to=&cursor=`
pub async fn get_audit(
    State(app): State<App>,
    RequireAdmin(admin): RequireAdmin,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let chrome = Chrome::load(&app, &admin, &headers, "audit").await;
    let tz = super::zone(&app, &admin);
    let filters = match query_pairs(raw) {
        Ok(pairs) => Filters::read(&pairs),
        Err(error) => return error_page(&app.settings, &chrome, error),
    };
    let everyone = match people::list(app.db.conn(), true).await {
        Ok(everyone) => everyone,
        Err(error) => return error_page(&app.settings, &chrome, error.into()),
    };
    let names = Names::from_people(&everyone);
    let reader = Reader { names: &names, tz };
    let (entries, older, errors) = match filters.to_query(tz) {
        Ok(query) => match audit_query::list(&app.db, &query).await {
            Ok(page) => (
                page.entries,
                page.next_cursor.map(|c| filters.link_with_cursor(Some(&c))),
                FieldErrors::default(),
            ),
            Err(error) => return error_page(&app.settings, &chrome, error.into()),
        },
        Err(errors) => (Vec::new(), None, errors),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = AuditPage {
        chrome: &chrome,
        actors: everyone
            .iter()
            .map(|person| Choice {
                selected: person.id.to_string() == filters.actor,
                value: person.id.to_string(),
                label: person.name.clone(),
            })
            .collect(),
        actions: action_choices(&filters.action),
        newest: (!filters.cursor.is_empty()).then(|| filters.link_with_cursor(None)),
        filters,
        errors,
        entries: entries
            .into_iter()
            .map(|e| EntryRow::new(e, &reader))
            .collect(),
        older,
        timezone: tz.name().to_string(),
    };
    render(&app.settings, &chrome, status, &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filters(list: &[(&str, &str)]) -> Filters {
        let pairs: Vec<(String, String)> = list
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Filters::read(&pairs)
    }

    #[test]
    fn local_days_become_instants_and_to_includes_its_day() {
        let tz: Tz = "Europe/London".parse().unwrap();
        let query = filters(&[("from", "2026-07-01"), ("to", "2026-07-01"), ("junk", "x")])
            .to_query(tz)
            .unwrap();
        assert_eq!(
            query.from.unwrap().to_rfc3339(),
            "2026-06-30T23:00:00+00:00"
        );
        assert_eq!(query.to.unwrap().to_rfc3339(), "2026-07-01T23:00:00+00:00");
    }

    #[test]
    fn an_item_may_be_given_as_its_address_and_bad_values_are_named_as_in_the_form() {
        let id = Uuid::now_v7();
        let address = format!("https://ops.example.com/work/{id}");
        let query = filters(&[("item", &address)])
            .to_query(chrono_tz::UTC)
            .unwrap();
        assert_eq!(query.work_item_id, Some(id));
        let errors = filters(&[("item", "nope"), ("actor", "x"), ("from", "July")])
            .to_query(chrono_tz::UTC)
            .unwrap_err();
        for field in ["item", "actor", "from"] {
            assert!(errors.0.contains_key(field), "{field}: {errors:?}");
        }
    }

    #[test]
    fn the_older_link_keeps_the_filters() {
        let link = filters(&[("action", "template.create"), ("from", "2026-01-01")])
            .link_with_cursor(Some("abc"));
        assert_eq!(
            link,
            "/admin/audit?action=template.create&from=2026-01-01&cursor=abc"
        );
        assert_eq!(
            filters(&[("cursor", "abc")]).link_with_cursor(None),
            "/admin/audit"
        );
    }

    #[test]
    fn actions_are_offered_and_shown_in_words() {
        assert_eq!(action_words("work_item.create"), "Created an item");
        assert_eq!(action_words("old.code"), "old.code");
        let choices = action_choices("work_item.status");
        assert_eq!(choices.len(), AuditAction::ALL.len());
        let chosen: Vec<&str> = choices
            .iter()
            .filter(|c| c.selected)
            .map(|c| c.label.as_str())
            .collect();
        assert_eq!(chosen, ["Changed the status"]);
        assert!(choices.iter().all(|c| !c.label.contains(['.', '_'])));
    }
}
