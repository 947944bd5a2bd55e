//! Email notifications (docs/PRODUCT.md §4): each person chooses immediate emails, a daily digest at a
//! local hour, or none, and which kinds of notification count. Sending goes through the job
//! queue and the [`Mailer`](crate::email::Mailer).
//!
//! Never twice for one event: a notification is *claimed* by setting `emailed_at` with a
//! conditional update (`WHERE emailed_at IS NULL`) before its mail is sent, so of two senders
//! (a retried job, another instance, the digest) exactly one wins. A failed send releases the
//! claim for the retry. A process that dies between claim and send loses that one mail rather
//! than risking a duplicate.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

use super::ServiceError;
use crate::{
    config::Settings,
    db::{
        Db,
        entities::{audit_log, notification, user, work_item},
        time,
    },
    domain::ids::UserId,
    email::{Mailer, OutgoingEmail},
    jobs,
    services::work_items::view::key_of,
};

pub mod digest;
pub mod overdue;
mod preferences;

use crate::domain::audit_action::AuditAction;
pub use preferences::{
    EmailMode, EmailPreferences, PreferencesInput, preferences, save_preferences,
};

/// Called for every new notification, in its transaction: queues its email when the recipient
/// wants this kind immediately (digests pick up the rest at their hour).
pub async fn enqueue_if_wanted(
    conn: &impl ConnectionTrait,
    created: &notification::Model,
) -> Result<(), ServiceError> {
    let wanted = preferences(conn, UserId(created.user_id)).await?;
    if wanted.mode == EmailMode::Immediate && wanted.wants(&created.kind) {
        jobs::enqueue(
            conn,
            jobs::send_notifications::SEND_ONE,
            json!({"notificationId": created.id}),
            None,
        )
        .await?;
    }
    Ok(())
}

/// What happened to one notification's immediate email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImmediateOutcome {
    Sent,
    /// Already emailed (or being emailed) by someone else.
    AlreadyClaimed,
    /// Not wanted (any more): read, a changed preference, an inactive person, or gone.
    NotWanted,
}

/// Claims the not-yet-emailed notifications matching `condition` for this sender (atomically:
/// a concurrent claimer gets none of them) and returns them.
pub(crate) async fn claim(
    conn: &impl ConnectionTrait,
    condition: sea_orm::Condition,
    stamp: DateTime<Utc>,
) -> Result<Vec<notification::Model>, DbErr> {
    notification::Entity::update_many()
        .col_expr(notification::Column::EmailedAt, Expr::value(stamp))
        .filter(condition)
        .filter(notification::Column::EmailedAt.is_null())
        .exec_with_returning(conn)
        .await
}

/// Gives claimed notifications back after a failed send, so the retry can claim them again.
pub(crate) async fn release(
    conn: &impl ConnectionTrait,
    ids: Vec<Uuid>,
    stamp: DateTime<Utc>,
) -> Result<(), DbErr> {
    notification::Entity::update_many()
        .col_expr(
            notification::Column::EmailedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(notification::Column::Id.is_in(ids))
        .filter(notification::Column::EmailedAt.eq(stamp))
        .exec(conn)
        .await?;
    Ok(())
}

/// A person who can receive email, with their preferences.
pub(crate) async fn recipient(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Option<(user::Model, EmailPreferences)>, ServiceError> {
    let Some(person) = user::Entity::find_by_id(user_id)
        .filter(user::Column::Active.eq(true))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let wanted = preferences(conn, UserId(user_id)).await?;
    Ok(Some((person, wanted)))
}

/// The zone a person reads their mail in: their own, or `OPS_TIMEZONE` until they choose.
pub(crate) fn zone_of(person: &user::Model, settings: &Settings) -> chrono_tz::Tz {
    super::time_zones::of(person, settings.timezone)
}

/// The keys (`OPS-12`) of the items these notifications point at, in one query.
pub(crate) async fn item_keys(
    conn: &impl ConnectionTrait,
    notifications: &[notification::Model],
) -> Result<HashMap<Uuid, String>, DbErr> {
    let ids: Vec<Uuid> = notifications
        .iter()
        .filter_map(|n| n.work_item_id)
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let numbered: Vec<(Uuid, i64)> = work_item::Entity::find()
        .select_only()
        .column(work_item::Column::Id)
        .column(work_item::Column::Number)
        .filter(work_item::Column::Id.is_in(ids))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(numbered
        .into_iter()
        .map(|(id, number)| (id, key_of(number)))
        .collect())
}

/// `OPS-12: ` before a notification's text when it is about an item, so a mail names the item
/// the way people say it.
pub(crate) fn key_prefix(key: Option<&String>) -> String {
    key.map(|key| format!("{key}: ")).unwrap_or_default()
}

/// The link to an item (by its key), or to the inbox for a notification without one.
pub(crate) fn link_for(settings: &Settings, key: Option<&String>) -> String {
    let path = match key {
        Some(key) => format!("work/{key}"),
        None => "inbox".to_string(),
    };
    settings
        .auth_url
        .join(&path)
        .map(|url| url.to_string())
        .unwrap_or(path)
}

/// Sends one notification's immediate email, if still wanted and not already sent.
pub async fn send_immediate(
    db: &Db,
    mailer: &dyn Mailer,
    settings: &Settings,
    notification_id: Uuid,
) -> anyhow::Result<ImmediateOutcome> {
    let Some(found) = notification::Entity::find_by_id(notification_id)
        .one(db.conn())
        .await?
    else {
        return Ok(ImmediateOutcome::NotWanted);
    };
    let Some((person, wanted)) = recipient(db.conn(), found.user_id).await? else {
        return Ok(ImmediateOutcome::NotWanted);
    };
    if found.read_at.is_some() || wanted.mode != EmailMode::Immediate || !wanted.wants(&found.kind)
    {
        return Ok(ImmediateOutcome::NotWanted);
    }
    let stamp = time::now();
    let claimed = claim(
        db.conn(),
        sea_orm::Condition::all().add(notification::Column::Id.eq(found.id)),
        stamp,
    )
    .await?;
    if claimed.is_empty() {
        return Ok(ImmediateOutcome::AlreadyClaimed);
    }
    let keys = item_keys(db.conn(), std::slice::from_ref(&found)).await?;
    let key = found.work_item_id.and_then(|id| keys.get(&id));
    let email = OutgoingEmail {
        to: person.email.clone(),
        subject: format!("[OPS Desktop] {}{}", key_prefix(key), found.body),
        text: format!(
            "Hello {},\n\n{}{}\n\nOpen it: {}\n\n--\nYou get this email because of your notification \
             settings. Change them on your profile: {}\n",
            person.name,
            key_prefix(key),
            found.body,
            link_for(settings, key),
            link_for_profile(settings),
        ),
    };
    if let Err(error) = mailer.send(&email).await {
        release(db.conn(), vec![found.id], stamp).await?;
        return Err(error.context("sending a notification email"));
    }
    Ok(ImmediateOutcome::Sent)
}

/// Its email job gave up: the notification stays in the person's inbox, and the audit log says
/// its email was never sent and why (once, however often this runs).
pub async fn give_up(db: &Db, notification_id: Uuid, error: &str) -> Result<(), ServiceError> {
    const ACTION: AuditAction = AuditAction::NotificationEmailFailed;
    let Some(found) = notification::Entity::find_by_id(notification_id)
        .one(db.conn())
        .await?
    else {
        return Ok(());
    };
    let already = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(ACTION))
        .filter(audit_log::Column::EntityId.eq(found.id))
        .one(db.conn())
        .await?;
    if already.is_some() {
        return Ok(());
    }
    super::audit::record(
        db.conn(),
        &super::audit::Actor::system(),
        super::audit::AuditEntry {
            action: ACTION,
            entity_type: "notification",
            entity_id: Some(found.id),
            work_item_id: found.work_item_id,
            summary: Some(format!(
                "the email for “{}” was not sent: {error}",
                found.body
            )),
            ..Default::default()
        },
    )
    .await
}

pub(crate) fn link_for_profile(settings: &Settings) -> String {
    settings
        .auth_url
        .join("profile")
        .map(|url| url.to_string())
        .unwrap_or_else(|_| "/profile".to_string())
}
