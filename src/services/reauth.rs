//! Confirming who one is before a sensitive action: a session that did not sign in within the
//! last few minutes proves it again — with the password, or (for people who have none) with a
//! one-time link emailed to them and bound to the session that asked. Each confirmation and
//! each failure is audited; the password is throttled by the sign-in limits.

use std::sync::Arc;

use chrono::TimeDelta;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use uuid::Uuid;

use super::{
    ServiceError,
    audit::{self, AuditEntry},
    rate_limits::{self, Attempt, SigninLimits},
    signin::ClientInfo,
    users,
};
use crate::domain::audit_action::AuditAction;
use crate::{
    auth::{passwords, tokens},
    config::Settings,
    db::{Db, entities::session, time},
    domain::{ids::UserId, user::Email},
    email::{Mailer, OutgoingEmail},
};

/// How long an emailed confirmation link works.
pub const LINK_LIFETIME: TimeDelta = TimeDelta::minutes(10);

/// The longest link token looked up; ours are 64 characters.
const MAX_LINK_TOKEN_CHARS: usize = 128;

/// The session asking to confirm and the person it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Asking<'a> {
    pub session_id: Uuid,
    pub user_id: UserId,
    pub email: &'a str,
}

/// Checks `password` for the person behind the session; on success the session counts as just
/// signed in. Counted against the sign-in limits for this account and address, so the
/// confirmation step is no faster a way to guess a password than the sign-in form.
pub async fn with_password(
    db: &Db,
    settings: &Settings,
    asking: Asking<'_>,
    password: &str,
    client: &ClientInfo,
) -> Result<bool, ServiceError> {
    let actor = client.actor(Some(asking.user_id));
    let email = Email::parse(asking.email).ok();
    rate_limits::check_attempt(
        db,
        SigninLimits::from_settings(settings),
        Attempt::Password,
        email.as_ref(),
        client.ip.as_deref().unwrap_or("-"),
        &actor,
    )
    .await?;
    let stored = users::find_by_id(db.conn(), asking.user_id)
        .await?
        .filter(|user| user.active)
        .and_then(|user| user.password_hash);
    let Some(hash) = stored else {
        return Ok(false);
    };
    let candidate = password.to_string();
    let matches =
        tokio::task::spawn_blocking(move || passwords::verify_password(&candidate, &hash))
            .await
            .map_err(|error| ServiceError::Internal(error.into()))?;
    if !matches {
        audit::record(
            db.conn(),
            &actor,
            entry(
                AuditAction::ReauthFailure,
                asking,
                "wrong password at the confirmation step",
            ),
        )
        .await?;
        return Ok(false);
    }
    confirmed(db, asking, client, "confirmed by password").await?;
    Ok(true)
}

/// Emails a one-time confirmation link for the asking session (replacing any earlier one).
/// Limited like a request for a sign-in link.
pub async fn send_link(
    db: &Db,
    mailer: Arc<dyn Mailer>,
    settings: &Settings,
    asking: Asking<'_>,
    client: &ClientInfo,
) -> Result<(), ServiceError> {
    let actor = client.actor(Some(asking.user_id));
    let email = Email::parse(asking.email).map_err(|e| ServiceError::invalid("email", e.0))?;
    rate_limits::check_attempt(
        db,
        SigninLimits::from_settings(settings),
        Attempt::EmailLink,
        Some(&email),
        client.ip.as_deref().unwrap_or("-"),
        &actor,
    )
    .await?;
    let token = tokens::generate("");
    let now = time::now();
    let txn = db.begin_write().await?;
    session::Entity::update_many()
        .col_expr(
            session::Column::ConfirmTokenHash,
            Expr::value(tokens::hash(&token)),
        )
        .col_expr(
            session::Column::ConfirmExpiresAt,
            Expr::value(now + LINK_LIFETIME),
        )
        .filter(session::Column::Id.eq(asking.session_id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        &actor,
        entry(
            AuditAction::ReauthLinkSent,
            asking,
            "confirmation link emailed",
        ),
    )
    .await?;
    txn.commit().await?;
    let mut link = settings
        .auth_url
        .join("auth/confirm")
        .map_err(anyhow::Error::from)?;
    link.query_pairs_mut().append_pair("token", &token);
    let message = OutgoingEmail {
        to: email.as_str().to_string(),
        subject: "Confirm it's you in OPS Desktop".to_string(),
        text: format!(
            "Someone (hopefully you) asked to confirm it's you before a sensitive change in OPS \
             Desktop.\n\nOpen this link within 10 minutes, in the browser where you asked:\n\n\
             {link}\n\nThe link works once. If you did not ask for it, ignore this message and \
             consider signing out everywhere from your profile.\n"
        ),
    };
    let request_id = client.request_id.clone();
    // The token lives only in this message; it is never queued or stored in clear.
    tokio::spawn(async move {
        if let Err(error) = mailer.send(&message).await {
            tracing::warn!(
                request_id,
                error = format!("{error:#}"),
                "sending the confirmation link failed"
            );
        }
    });
    Ok(())
}

/// Uses an emailed confirmation link: it works once, within its lifetime, and only for the
/// session that asked for it (a link forwarded to, or opened by, anyone else confirms nothing).
/// One conditional update, so two clicks cannot both succeed. Failures are audited once per
/// address per minute and limited like sign-in link confirmations.
pub async fn with_link(
    db: &Db,
    settings: &Settings,
    asking: Asking<'_>,
    token: &str,
    client: &ClientInfo,
) -> Result<bool, ServiceError> {
    let actor = client.actor(Some(asking.user_id));
    let address = client.ip.as_deref().unwrap_or("-");
    rate_limits::check_attempt(
        db,
        SigninLimits::from_settings(settings),
        Attempt::LinkConfirmation,
        None,
        address,
        &actor,
    )
    .await?;
    let now = time::now();
    let used = token.len() <= MAX_LINK_TOKEN_CHARS
        && session::Entity::update_many()
            .col_expr(session::Column::AuthenticatedAt, Expr::value(now))
            .col_expr(
                session::Column::ConfirmTokenHash,
                Expr::value(Option::<String>::None),
            )
            .filter(session::Column::Id.eq(asking.session_id))
            .filter(session::Column::ConfirmTokenHash.eq(tokens::hash(token)))
            .filter(session::Column::ConfirmExpiresAt.gt(now))
            .exec(db.conn())
            .await?
            .rows_affected
            == 1;
    if used {
        audit::record(
            db.conn(),
            &actor,
            entry(
                AuditAction::ReauthSuccess,
                asking,
                "confirmed by emailed link",
            ),
        )
        .await?;
    } else if rate_limits::first_in_window(db, &format!("audit:reauth-failure:{address}")).await? {
        audit::record(
            db.conn(),
            &actor,
            entry(
                AuditAction::ReauthFailure,
                asking,
                "invalid, used, expired or another session's confirmation link (further failures \
                 from this address within the minute are not recorded)",
            ),
        )
        .await?;
    }
    Ok(used)
}

/// Marks the session as having just proved who it is, and records it.
async fn confirmed(
    db: &Db,
    asking: Asking<'_>,
    client: &ClientInfo,
    how: &'static str,
) -> Result<(), ServiceError> {
    let txn = db.begin_write().await?;
    session::Entity::update_many()
        .col_expr(session::Column::AuthenticatedAt, Expr::value(time::now()))
        .filter(session::Column::Id.eq(asking.session_id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        &client.actor(Some(asking.user_id)),
        entry(AuditAction::ReauthSuccess, asking, how),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn entry(action: AuditAction, asking: Asking<'_>, summary: &str) -> AuditEntry {
    AuditEntry {
        action,
        entity_type: "session",
        entity_id: Some(asking.session_id),
        summary: Some(summary.to_string()),
        ..AuditEntry::default()
    }
}
