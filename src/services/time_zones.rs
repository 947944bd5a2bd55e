//! Each person's time zone (docs/PRODUCT.md, "Time zones"): every date they read or type is in
//! it. Until they choose one, `OPS_TIMEZONE` is used, and pages offer their browser's zone.

use chrono_tz::Tz;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;

use super::{
    ServiceError,
    audit::{self, Actor, AuditEntry},
};
use crate::domain::audit_action::AuditAction;
use crate::{
    db::{Db, entities::user, time},
    domain::ids::UserId,
};

/// Every zone a person may choose, by name.
pub fn names() -> impl Iterator<Item = &'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())
}

/// The zone `person` reads times in: their own, or `fallback` (`OPS_TIMEZONE`) until they
/// choose one.
pub fn of(person: &user::Model, fallback: Tz) -> Tz {
    person
        .time_zone
        .as_deref()
        .and_then(|name| name.parse().ok())
        .unwrap_or(fallback)
}

/// Old names some browsers still report, and the names people know now.
const RENAMED: &[(&str, &str)] = &[
    ("Asia/Calcutta", "Asia/Kolkata"),
    ("Asia/Katmandu", "Asia/Kathmandu"),
    ("Asia/Saigon", "Asia/Ho_Chi_Minh"),
    ("Asia/Rangoon", "Asia/Yangon"),
    ("Europe/Kiev", "Europe/Kyiv"),
];

/// Parses a zone name such as `America/New_York` (an old name becomes the current one);
/// anything else is a clear refusal.
pub fn parse(raw: &str) -> Result<Tz, ServiceError> {
    let raw = raw.trim();
    let raw = RENAMED
        .iter()
        .find(|(old, _)| *old == raw)
        .map_or(raw, |(_, new)| new);
    raw.parse::<Tz>().map_err(|_| {
        ServiceError::invalid(
            "timeZone",
            "choose a time zone from the list, such as Europe/London or America/New_York",
        )
    })
}

/// Sets `person`'s zone (checked before anything is written) and records the change.
pub async fn set(db: &Db, actor: &Actor, person: UserId, raw: &str) -> Result<Tz, ServiceError> {
    let tz = parse(raw)?;
    let txn = db.begin_write().await?;
    let current = user::Entity::find_by_id(person.0)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if current.time_zone.as_deref() == Some(tz.name()) {
        return Ok(tz);
    }
    audit::record(
        &txn,
        actor,
        AuditEntry {
            action: AuditAction::UserTimeZone,
            entity_type: "user",
            entity_id: Some(current.id),
            work_item_id: None,
            summary: Some(current.name.clone()),
            before: Some(json!({"timeZone": current.time_zone})),
            after: Some(json!({"timeZone": tz.name()})),
        },
    )
    .await?;
    let mut model: user::ActiveModel = current.into();
    model.time_zone = Set(Some(tz.name().to_string()));
    model.updated_at = Set(time::now());
    model.update(&txn).await?;
    txn.commit().await?;
    Ok(tz)
}

#[cfg(test)]
mod tests {
    #[test]
    fn old_names_become_the_current_ones() {
        assert_eq!(
            super::parse("Asia/Calcutta").unwrap().name(),
            "Asia/Kolkata"
        );
        assert_eq!(
            super::parse(" Europe/London ").unwrap().name(),
            "Europe/London"
        );
        assert!(super::parse("Mars/Olympus").is_err());
    }
}
