//! The daily digest: once a day, at the local hour each person chose, one email listing their
//! notifications not yet emailed and not yet read. A digest with nothing in it is not sent.
//!
//! The notifications are claimed (see the parent module) before the mail goes out, so a rerun
//! of the same hour — a retry, another instance — finds nothing left and sends nothing.

use chrono::{DateTime, TimeDelta, Timelike, Utc};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

use super::{
    EmailMode, claim, item_keys, key_prefix, link_for, link_for_profile, recipient, release,
    zone_of,
};
use crate::{
    config::Settings,
    db::{
        Db,
        entities::{notification, notification_preference as preference, user},
        time,
    },
    domain::local_time,
    email::{Mailer, OutgoingEmail},
};

/// How far back a digest looks. Notifications older than this that were never emailed (the
/// person had emails off then, or a digest was missed during downtime) are left in the inbox.
pub const LOOKBACK: TimeDelta = TimeDelta::days(7);

/// What one digest run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigestReport {
    pub sent: usize,
    /// People due a digest who had nothing new (no mail sent).
    pub empty: usize,
    pub failures: Vec<String>,
}

/// A heading for each kind, as the digest lists them.
fn kind_label(kind: &str) -> &'static str {
    match kind {
        "WAITING" => "Waiting on you",
        "MENTION" => "You were mentioned",
        "ASSIGNED" => "Assigned to you",
        "CHANGES_REQUESTED" => "Changes requested",
        "CLIENT_REPLY" => "Client replied",
        "OVERDUE" => "Overdue",
        _ => "Notification",
    }
}

/// Sends the digest of everyone whose digest hour is the local hour of `slot` (the hour this
/// run is for) in their own zone. Runs are on the hour in UTC, so in a zone with a half-hour
/// offset the digest arrives at half past the chosen hour.
pub async fn send_digests(
    db: &Db,
    mailer: &dyn Mailer,
    settings: &Settings,
    slot: DateTime<Utc>,
) -> anyhow::Result<DigestReport> {
    let digests = preference::Entity::find()
        .filter(preference::Column::EmailMode.eq(EmailMode::Digest.as_str()))
        .find_also_related(user::Entity)
        .all(db.conn())
        .await?;
    let due = digests.into_iter().filter_map(|(chosen, person)| {
        let zone = zone_of(&person?, settings);
        (slot.with_timezone(&zone).hour() as i32 == chosen.digest_hour).then_some(chosen)
    });
    let mut report = DigestReport::default();
    for person in due {
        match send_digest_to(db, mailer, settings, person.user_id, time::now()).await {
            Ok(true) => report.sent += 1,
            Ok(false) => report.empty += 1,
            Err(error) => report
                .failures
                .push(format!("{}: {error:#}", person.user_id)),
        }
    }
    Ok(report)
}

/// Sends one person's digest of what is new as of `now`; returns whether a mail went out.
pub async fn send_digest_to(
    db: &Db,
    mailer: &dyn Mailer,
    settings: &Settings,
    user_id: uuid::Uuid,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let Some((person, wanted)) = recipient(db.conn(), user_id).await? else {
        return Ok(false);
    };
    let kinds = wanted.wanted_kinds();
    if wanted.mode != EmailMode::Digest || kinds.is_empty() {
        return Ok(false);
    }
    let stamp = time::now();
    let mut claimed = claim(
        db.conn(),
        Condition::all()
            .add(notification::Column::UserId.eq(user_id))
            .add(notification::Column::ReadAt.is_null())
            .add(notification::Column::Kind.is_in(kinds))
            .add(notification::Column::CreatedAt.gte(now - LOOKBACK)),
        stamp,
    )
    .await?;
    if claimed.is_empty() {
        return Ok(false);
    }
    claimed.sort_by_key(|n| (n.created_at, n.id));
    let zone = zone_of(&person, settings);
    let mut text = format!(
        "Hello {},\n\nHere is what needs you ({} new):\n",
        person.name,
        claimed.len()
    );
    let keys = item_keys(db.conn(), &claimed).await?;
    for item in &claimed {
        let key = item.work_item_id.and_then(|id| keys.get(&id));
        text.push_str(&format!(
            "\n* {}: {}{}\n  {} · {}\n",
            kind_label(&item.kind),
            key_prefix(key),
            item.body,
            local_time::when(item.created_at, zone),
            link_for(settings, key)
        ));
    }
    text.push_str(&format!(
        "\n--\nThis is your daily digest. Change when and what you get on your profile: {}\n",
        link_for_profile(settings)
    ));
    let email = OutgoingEmail {
        to: person.email.clone(),
        subject: format!("[OPS Desktop] Your daily digest: {} new", claimed.len()),
        text,
    };
    if let Err(error) = mailer.send(&email).await {
        release(db.conn(), claimed.iter().map(|n| n.id).collect(), stamp).await?;
        return Err(error.context("sending a digest"));
    }
    Ok(true)
}
