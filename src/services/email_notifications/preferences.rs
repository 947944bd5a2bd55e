//! Email preferences: how each person wants to hear about notifications (immediately, in a
//! daily digest at a local hour, or not at all) and about which kinds.

use sea_orm::{ConnectionTrait, EntityTrait, Set, sea_query::OnConflict};
use serde_json::json;

use crate::domain::audit_action::AuditAction;
use crate::{
    db::{Db, entities::notification_preference as preference, time},
    domain::{FieldErrors, ids::UserId},
    services::{
        ServiceError,
        audit::{self, Actor, AuditEntry},
    },
};

/// How someone wants to hear about notifications by email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailMode {
    Immediate,
    Digest,
    None,
}

impl EmailMode {
    pub fn as_str(self) -> &'static str {
        match self {
            EmailMode::Immediate => "IMMEDIATE",
            EmailMode::Digest => "DIGEST",
            EmailMode::None => "NONE",
        }
    }

    fn parse(raw: &str) -> Option<EmailMode> {
        match raw.trim().to_ascii_uppercase().as_str() {
            "IMMEDIATE" => Some(EmailMode::Immediate),
            "DIGEST" => Some(EmailMode::Digest),
            "NONE" => Some(EmailMode::None),
            _ => None,
        }
    }
}

/// One person's choices. Without a saved row: immediate emails for every kind, and a digest
/// hour of 08:00 ready for when they switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmailPreferences {
    pub mode: EmailMode,
    /// Local hour (0–23, `OPS_TIMEZONE`) the digest goes out.
    pub digest_hour: u32,
    pub waiting: bool,
    pub mention: bool,
    pub assigned: bool,
    pub changes_requested: bool,
    pub client_reply: bool,
    pub overdue: bool,
}

impl Default for EmailPreferences {
    fn default() -> Self {
        EmailPreferences {
            mode: EmailMode::Immediate,
            digest_hour: 8,
            waiting: true,
            mention: true,
            assigned: true,
            changes_requested: true,
            client_reply: true,
            overdue: true,
        }
    }
}

impl From<preference::Model> for EmailPreferences {
    fn from(row: preference::Model) -> Self {
        EmailPreferences {
            mode: EmailMode::parse(&row.email_mode).unwrap_or(EmailMode::Immediate),
            digest_hour: row.digest_hour.clamp(0, 23) as u32,
            waiting: row.on_waiting,
            mention: row.on_mention,
            assigned: row.on_assigned,
            changes_requested: row.on_changes_requested,
            client_reply: row.on_client_reply,
            overdue: row.on_overdue,
        }
    }
}

impl EmailPreferences {
    /// Whether a notification of `kind` (as stored, e.g. `MENTION`) is wanted by email at all.
    pub fn wants(&self, kind: &str) -> bool {
        match kind {
            "WAITING" => self.waiting,
            "MENTION" => self.mention,
            "ASSIGNED" => self.assigned,
            "CHANGES_REQUESTED" => self.changes_requested,
            "CLIENT_REPLY" => self.client_reply,
            "OVERDUE" => self.overdue,
            _ => false,
        }
    }

    /// The stored kinds this person wants by email.
    pub fn wanted_kinds(&self) -> Vec<&'static str> {
        [
            "WAITING",
            "MENTION",
            "ASSIGNED",
            "CHANGES_REQUESTED",
            "CLIENT_REPLY",
            "OVERDUE",
        ]
        .into_iter()
        .filter(|kind| self.wants(kind))
        .collect()
    }
}

/// A person's saved preferences, or the defaults.
pub async fn preferences(
    conn: &impl ConnectionTrait,
    user: UserId,
) -> Result<EmailPreferences, ServiceError> {
    Ok(preference::Entity::find_by_id(user.0)
        .one(conn)
        .await?
        .map(Into::into)
        .unwrap_or_default())
}

/// What the profile form sends: the mode, the digest hour and the kinds switched on.
#[derive(Debug, Clone, Default)]
pub struct PreferencesInput {
    pub mode: String,
    pub digest_hour: String,
    pub kinds: Vec<String>,
}

/// Saves one's email preferences (the whole set at once).
pub async fn save_preferences(
    db: &Db,
    actor: &Actor,
    user: UserId,
    input: &PreferencesInput,
) -> Result<EmailPreferences, ServiceError> {
    let mut errors = FieldErrors::default();
    let mode = EmailMode::parse(&input.mode);
    if mode.is_none() {
        errors.add("mode", "mode must be IMMEDIATE, DIGEST or NONE");
    }
    let hour = input
        .digest_hour
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|h| *h < 24);
    if hour.is_none() {
        errors.add("digestHour", "digestHour must be an hour from 0 to 23");
    }
    let mut chosen = EmailPreferences {
        waiting: false,
        mention: false,
        assigned: false,
        changes_requested: false,
        client_reply: false,
        overdue: false,
        ..EmailPreferences::default()
    };
    for kind in &input.kinds {
        match kind.as_str() {
            "WAITING" => chosen.waiting = true,
            "MENTION" => chosen.mention = true,
            "ASSIGNED" => chosen.assigned = true,
            "CHANGES_REQUESTED" => chosen.changes_requested = true,
            "CLIENT_REPLY" => chosen.client_reply = true,
            "OVERDUE" => chosen.overdue = true,
            other => errors.add("kinds", format!("unknown kind `{other}`")),
        }
    }
    errors.into_result()?;
    let (Some(mode), Some(hour)) = (mode, hour) else {
        unreachable!("checked above");
    };
    chosen.mode = mode;
    chosen.digest_hour = hour;

    let row = preference::ActiveModel {
        user_id: Set(user.0),
        email_mode: Set(mode.as_str().to_string()),
        digest_hour: Set(hour as i32),
        on_waiting: Set(chosen.waiting),
        on_mention: Set(chosen.mention),
        on_assigned: Set(chosen.assigned),
        on_changes_requested: Set(chosen.changes_requested),
        on_client_reply: Set(chosen.client_reply),
        on_overdue: Set(chosen.overdue),
        updated_at: Set(time::now()),
    };
    let txn = db.begin_write().await?;
    preference::Entity::insert(row)
        .on_conflict(
            OnConflict::column(preference::Column::UserId)
                .update_columns([
                    preference::Column::EmailMode,
                    preference::Column::DigestHour,
                    preference::Column::OnWaiting,
                    preference::Column::OnMention,
                    preference::Column::OnAssigned,
                    preference::Column::OnChangesRequested,
                    preference::Column::OnClientReply,
                    preference::Column::OnOverdue,
                    preference::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        actor,
        AuditEntry {
            action: AuditAction::NotificationPreferencesUpdate,
            entity_type: "user",
            entity_id: Some(user.0),
            after: Some(json!({
                "mode": mode.as_str(), "digestHour": hour, "kinds": chosen.wanted_kinds(),
            })),
            ..AuditEntry::default()
        },
    )
    .await?;
    txn.commit().await?;
    Ok(chosen)
}
