//! The request shape of `POST /api/cadences` and `PATCH /api/cadences/{id}`, and its parsing
//! into checked values — every problem reported at once, before anything is written.

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    db::entities::{template, user},
    domain::{
        FieldErrors, ValidationError,
        patch::{Patch, double_option},
        recurrence::{DueTime, RecurrenceRule},
    },
    services::ServiceError,
};

/// The longest cadence name (items are titled `<name> — <date>`, within a title's 200).
pub const MAX_NAME_CHARS: usize = 150;
/// The longest slug.
pub const MAX_SLUG_CHARS: usize = 60;
/// The furthest ahead a cadence may create items, in days.
pub const MAX_LEAD_DAYS: i64 = 366;
/// How far ahead a cadence creates items when `leadDays` is not given.
pub const DEFAULT_LEAD_DAYS: i32 = 14;

/// The body of `POST /api/cadences` (`name`, `slug`, `templateId`, `rrule` and `dueTime` are
/// required) and of `PATCH /api/cadences/{id}` (only the fields present change; `null` clears
/// `ownerId`). A change applies to occurrences not yet created; items already made stay as
/// they are.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CadenceInput {
    /// 1–150 characters, not blank; generated items are titled `<name> — <YYYY-MM-DD>`.
    /// Required on create.
    #[schema(min_length = 1, max_length = 150, pattern = r"\S")]
    pub name: Option<String>,
    /// Lowercase letters, digits and `-` (1–60); part of every item's `cadenceKey`
    /// (`<slug>:<local date>`), so it cannot change once the cadence exists. Required on
    /// create.
    #[schema(pattern = "^[a-z0-9]([a-z0-9-]{0,58}[a-z0-9])?$")]
    pub slug: Option<String>,
    /// The template every occurrence is made from. Required on create.
    #[schema(format = Uuid)]
    pub template_id: Option<String>,
    /// An active person who owns the items (`null`: the template's default owner).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub owner_id: Patch<String>,
    /// An RFC 5545 rule such as `FREQ=WEEKLY;BYDAY=TU` or `FREQ=MONTHLY;BYMONTHDAY=-1`
    /// (DAILY, WEEKLY, MONTHLY or YEARLY). A first line `DTSTART:YYYYMMDD` fixes where the
    /// series starts; otherwise it starts the day the cadence is created. Required on create.
    #[schema(min_length = 1, max_length = 500)]
    pub rrule: Option<String>,
    /// `HH:MM`, local time in `OPS_TIMEZONE`. Required on create.
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub due_time: Option<String>,
    /// 0–366: items are created this many days before they are due (default 14).
    #[serde(default, deserialize_with = "crate::domain::whole::option")]
    #[schema(minimum = 0, maximum = 366)]
    pub lead_days: Option<i64>,
    /// Paused cadences create nothing (default true).
    pub active: Option<bool>,
}

/// Checked values; `None` means "not given" (keep, or use the default on create).
#[derive(Debug, Default)]
pub(super) struct Parsed {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub template_id: Option<Uuid>,
    pub owner_id: Option<Option<Uuid>>,
    pub rrule: Option<RecurrenceRule>,
    pub due_time: Option<DueTime>,
    pub lead_days: Option<i32>,
    pub active: Option<bool>,
}

fn parse_name(raw: &str) -> Result<String, ValidationError> {
    let name = raw.trim();
    if name.is_empty() || raw.chars().count() > MAX_NAME_CHARS {
        return Err(ValidationError::new(format!(
            "name must be 1 to {MAX_NAME_CHARS} characters"
        )));
    }
    Ok(name.to_string())
}

/// A slug: lowercase letters, digits and single dashes inside, never a `:` (the key separator).
pub fn parse_slug(raw: &str) -> Result<String, ValidationError> {
    let slug = raw.trim();
    let valid_chars = slug
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if slug.is_empty()
        || slug.len() > MAX_SLUG_CHARS
        || !valid_chars
        || slug.starts_with('-')
        || slug.ends_with('-')
    {
        return Err(ValidationError::new(format!(
            "slug must be 1 to {MAX_SLUG_CHARS} lowercase letters, digits and dashes, e.g. weekly-newsletter"
        )));
    }
    Ok(slug.to_string())
}

fn parse_id(errors: &mut FieldErrors, field: &str, raw: &str) -> Option<Uuid> {
    errors.check(
        field,
        Uuid::parse_str(raw.trim())
            .map_err(|_| ValidationError::new(format!("{field} must be an id"))),
    )
}

/// Parses every field present; `rule_start` is the day a new rule would start from. When
/// `creating`, the fields without a default are required.
pub(super) async fn parse(
    conn: &impl ConnectionTrait,
    input: &CadenceInput,
    rule_start: NaiveDate,
    creating: bool,
) -> Result<Parsed, ServiceError> {
    let mut errors = FieldErrors::default();
    if creating {
        let required = [
            ("name", input.name.is_none()),
            ("slug", input.slug.is_none()),
            ("templateId", input.template_id.is_none()),
            ("rrule", input.rrule.is_none()),
            ("dueTime", input.due_time.is_none()),
        ];
        for (field, missing) in required {
            if missing {
                errors.add(field, format!("{field} is required"));
            }
        }
    }
    let mut parsed = Parsed {
        name: input
            .name
            .as_deref()
            .and_then(|raw| errors.check("name", parse_name(raw))),
        slug: input
            .slug
            .as_deref()
            .and_then(|raw| errors.check("slug", parse_slug(raw))),
        rrule: input
            .rrule
            .as_deref()
            .and_then(|raw| errors.check("rrule", RecurrenceRule::parse(raw, rule_start))),
        due_time: input
            .due_time
            .as_deref()
            .and_then(|raw| errors.check("dueTime", DueTime::parse(raw))),
        active: input.active,
        ..Parsed::default()
    };
    if let Some(lead) = input.lead_days {
        if (0..=MAX_LEAD_DAYS).contains(&lead) {
            parsed.lead_days = Some(lead as i32);
        } else {
            errors.add("leadDays", format!("leadDays must be 0 to {MAX_LEAD_DAYS}"));
        }
    }
    if let Some(raw) = input.template_id.as_deref()
        && let Some(id) = parse_id(&mut errors, "templateId", raw)
    {
        if template::Entity::find_by_id(id).count(conn).await? == 0 {
            errors.add("templateId", "no template has this id");
        } else {
            parsed.template_id = Some(id);
        }
    }
    match &input.owner_id {
        None => {}
        Some(None) => parsed.owner_id = Some(None),
        Some(Some(raw)) => {
            if let Some(id) = parse_id(&mut errors, "ownerId", raw) {
                let active = user::Entity::find_by_id(id)
                    .filter(user::Column::Active.eq(true))
                    .count(conn)
                    .await?;
                if active == 0 {
                    errors.add("ownerId", "no active person has this id");
                } else {
                    parsed.owner_id = Some(Some(id));
                }
            }
        }
    }
    errors.into_result()?;
    Ok(parsed)
}

/// Reads the preview's query string: `count` (1–100, default 10) and `from` (a local date,
/// `YYYY-MM-DD`; default now). Returns the count and the local date asked for, if any.
pub fn parse_preview_params(
    pairs: &[(String, String)],
) -> Result<(u16, Option<NaiveDate>), FieldErrors> {
    let mut errors = FieldErrors::default();
    let (mut count, mut from) = (super::DEFAULT_PREVIEW, None);
    for (name, raw) in pairs {
        match name.as_str() {
            "count" => match raw.trim().parse::<u16>() {
                Ok(n) if (1..=super::MAX_PREVIEW).contains(&n) => count = n,
                _ => errors.add(
                    "count",
                    format!("count must be a number from 1 to {}", super::MAX_PREVIEW),
                ),
            },
            "from" => match NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d") {
                Ok(date) => from = Some(date),
                Err(_) => errors.add("from", "from must be a date such as 2026-03-01"),
            },
            other => errors.add(other, format!("unknown parameter `{other}`")),
        }
    }
    errors.into_result().map(|()| (count, from))
}
