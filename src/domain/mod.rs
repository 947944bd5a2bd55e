//! Pure types and rules, with no I/O: ids, people, work items and their rules.

use std::collections::BTreeMap;

pub mod audit_action;
pub mod credential_name;
pub mod ids;
pub mod item_key;
pub mod local_time;
pub mod markdown;
pub mod patch;
pub mod qc_rules;
pub mod rank;
pub mod recurrence;
pub mod recurrence_picker;
pub mod redirect;
pub mod stored_enum;
pub mod user;
pub mod whole;
pub mod work_item;
pub mod work_item_rules;

/// A value that failed its rule, with a sentence a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValidationError(pub String);

impl ValidationError {
    pub fn new(message: impl Into<String>) -> Self {
        ValidationError(message.into())
    }
}

/// Problems per field, e.g. `{"title": ["must be 1 to 200 characters"]}`, collected so that a
/// request is refused with every problem at once.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors(pub BTreeMap<String, Vec<String>>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, problem: impl Into<String>) {
        self.0
            .entry(field.to_string())
            .or_default()
            .push(problem.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Keeps the parsed value, or records its problem under `field`.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, ValidationError>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(error) => {
                self.add(field, error.0);
                None
            }
        }
    }

    /// `Ok(())` when nothing was recorded.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

/// The instant a local calendar day starts in `tz`. On a day whose midnight falls in a DST
/// gap, the first valid instant after it.
pub fn local_day_start(
    day: chrono::NaiveDate,
    tz: chrono_tz::Tz,
) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::{TimeZone, Timelike};
    let midnight = day.and_hms_opt(0, 0, 0)?;
    (0..=180)
        .step_by(15)
        .find_map(|minutes| {
            let candidate = midnight.with_minute(0)? + chrono::Duration::minutes(minutes);
            tz.from_local_datetime(&candidate).earliest()
        })
        .map(|local| local.with_timezone(&chrono::Utc))
}

/// The OpenAPI schema of text that is always one of `values`, for a field whose value is
/// kept as text: a client generated from the document gets the closed set, not any string.
pub fn text_enum_schema(values: &[&str]) -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(values.iter().copied()))
        .build()
}
