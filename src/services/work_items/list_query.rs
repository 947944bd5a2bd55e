//! The list parameters shared by `GET /api/work-items`, the CSV export and the `/work` page
//! (docs/PRODUCT.md §10), parsed from the raw query string so that repeated keys, comma lists and
//! unknown names are all handled — every problem is a 422 naming its parameter.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    db::time,
    domain::{
        FieldErrors,
        ids::UserId,
        work_item::{DeliverableType, ItemType, Status, Tag},
    },
};

/// Whose items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerFilter {
    User(Uuid),
    Nobody,
}

/// What the list is ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    DueAt,
    Priority,
    UpdatedAt,
    CreatedAt,
}

/// An order: a key and a direction (`-` in the parameter means descending).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

impl Sort {
    fn parse(raw: &str) -> Option<Sort> {
        let (descending, name) = match raw.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, raw),
        };
        let key = match name {
            "dueAt" => SortKey::DueAt,
            "priority" => SortKey::Priority,
            "updatedAt" => SortKey::UpdatedAt,
            "createdAt" => SortKey::CreatedAt,
            _ => return None,
        };
        Some(Sort { key, descending })
    }

    pub fn name(&self) -> String {
        let name = match self.key {
            SortKey::DueAt => "dueAt",
            SortKey::Priority => "priority",
            SortKey::UpdatedAt => "updatedAt",
            SortKey::CreatedAt => "createdAt",
        };
        if self.descending {
            format!("-{name}")
        } else {
            name.to_string()
        }
    }
}

/// Where the previous page ended: the sort value of its last item and that item's id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    pub sort: String,
    pub time: Option<DateTime<Utc>>,
    pub number: Option<i32>,
    pub id: Uuid,
}

impl Cursor {
    /// Opaque to clients: hex of a small JSON document.
    pub fn encode(&self) -> String {
        hex::encode(serde_json::to_vec(self).unwrap_or_default())
    }

    pub fn decode(raw: &str) -> Option<Cursor> {
        serde_json::from_slice(&hex::decode(raw).ok()?).ok()
    }
}

/// A checked list request.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub statuses: Vec<Status>,
    pub types: Vec<ItemType>,
    pub owner: Option<OwnerFilter>,
    pub tags: Vec<String>,
    pub deliverable_types: Vec<DeliverableType>,
    pub client: Option<String>,
    pub due_from: Option<DateTime<Utc>>,
    pub due_to: Option<DateTime<Utc>>,
    pub overdue: bool,
    pub waiting: bool,
    /// Open or closed items waiting on this person.
    pub waiting_on: Option<Uuid>,
    pub needs_proofing: bool,
    pub q: Option<String>,
    pub sort: Sort,
    pub limit: u64,
    pub cursor: Option<Cursor>,
}

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 200;

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            statuses: Vec::new(),
            types: Vec::new(),
            owner: None,
            tags: Vec::new(),
            deliverable_types: Vec::new(),
            client: None,
            due_from: None,
            due_to: None,
            overdue: false,
            waiting: false,
            waiting_on: None,
            needs_proofing: false,
            q: None,
            sort: Sort {
                key: SortKey::DueAt,
                descending: false,
            },
            limit: DEFAULT_LIMIT,
            cursor: None,
        }
    }
}

/// Every value of a repeatable, comma-separated parameter.
fn values(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(',').map(str::trim).filter(|v| !v.is_empty())
}

/// A date or time bound: RFC 3339, or a local date (its start; the day after's start for `to`).
fn parse_bound(raw: &str, tz: Tz, end: bool) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Some(time::truncate(at.with_timezone(&Utc)));
    }
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok()?;
    let day = if end { date.succ_opt()? } else { date };
    crate::domain::local_day_start(day, tz)
}

fn flag(errors: &mut FieldErrors, name: &str, raw: &str) -> bool {
    match raw {
        "true" | "1" => true,
        "false" | "0" | "" => false,
        _ => {
            errors.add(name, format!("{name} must be true or false"));
            false
        }
    }
}

/// Parses the raw `(name, value)` pairs of a query string.
pub fn parse(pairs: &[(String, String)], me: UserId, tz: Tz) -> Result<ListQuery, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut query = ListQuery::default();
    for (name, raw) in pairs {
        let raw = raw.trim();
        match name.as_str() {
            "status" => query
                .statuses
                .extend(values(raw).filter_map(|v| errors.check("status", v.parse::<Status>()))),
            "type" => query
                .types
                .extend(values(raw).filter_map(|v| errors.check("type", v.parse::<ItemType>()))),
            "deliverableType" => query.deliverable_types.extend(
                values(raw)
                    .filter_map(|v| errors.check("deliverableType", v.parse::<DeliverableType>())),
            ),
            "tag" => query.tags.extend(values(raw).filter_map(|v| {
                errors
                    .check("tag", Tag::parse(v))
                    .map(|t| t.as_str().to_string())
            })),
            "owner" => {
                query.owner = match raw {
                    "me" => Some(OwnerFilter::User(me.0)),
                    "none" => Some(OwnerFilter::Nobody),
                    id => match Uuid::parse_str(id) {
                        Ok(id) => Some(OwnerFilter::User(id)),
                        Err(_) => {
                            errors.add("owner", "owner must be a person's id, me or none");
                            None
                        }
                    },
                }
            }
            "client" => query.client = Some(raw.to_string()).filter(|c| !c.is_empty()),
            "dueFrom" | "dueTo" => {
                let end = name == "dueTo";
                match parse_bound(raw, tz, end) {
                    Some(at) if end => query.due_to = Some(at),
                    Some(at) => query.due_from = Some(at),
                    None => errors.add(
                        name,
                        format!("{name} must be a date (YYYY-MM-DD) or an RFC 3339 time"),
                    ),
                }
            }
            "overdue" => query.overdue = flag(&mut errors, "overdue", raw),
            "waiting" => query.waiting = flag(&mut errors, "waiting", raw),
            "waitingOn" => {
                query.waiting_on = match raw {
                    "me" => Some(me.0),
                    id => match Uuid::parse_str(id) {
                        Ok(id) => Some(id),
                        Err(_) => {
                            errors.add("waitingOn", "waitingOn must be a person's id or me");
                            None
                        }
                    },
                }
            }
            "needsProofing" => query.needs_proofing = flag(&mut errors, "needsProofing", raw),
            "q" => query.q = Some(raw.to_string()).filter(|q| !q.is_empty()),
            "sort" => match Sort::parse(raw) {
                Some(sort) => query.sort = sort,
                None => errors.add(
                    "sort",
                    "sort must be dueAt, priority, updatedAt or createdAt, with - for descending",
                ),
            },
            "limit" => match raw.parse::<u64>() {
                Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => query.limit = limit,
                _ => errors.add("limit", format!("limit must be 1 to {MAX_LIMIT}")),
            },
            "cursor" => match Cursor::decode(raw) {
                Some(cursor) => query.cursor = Some(cursor),
                None => errors.add("cursor", "cursor is not one this server gave out"),
            },
            other => errors.add(other, format!("unknown parameter `{other}`")),
        }
    }
    if let Some(cursor) = &query.cursor
        && cursor.sort != query.sort.name()
    {
        errors.add("cursor", "cursor belongs to a different sort");
    }
    if let (Some(from), Some(to)) = (query.due_from, query.due_to)
        && to < from
    {
        errors.add("dueTo", "dueTo must not be before dueFrom");
    }
    errors.into_result().map(|()| query)
}
