//! Signing in and out: by password, by emailed link, with an audit entry for each outcome.

use std::sync::Arc;

use serde_json::json;

use crate::domain::audit_action::AuditAction;
use crate::{
    auth::{
        email_links, passwords,
        sessions::{self, SessionPolicy, StartedSession},
        tokens,
    },
    config::Settings,
    db::{Db, entities::user},
    domain::{ids::UserId, user::Email},
    email::{Mailer, OutgoingEmail},
    jobs,
    services::{
        ServiceError,
        audit::{self, Actor, AuditEntry},
        rate_limits, users,
    },
};

/// Facts about the client that the audit log keeps.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
}

impl ClientInfo {
    pub fn actor(&self, user_id: Option<UserId>) -> Actor {
        Actor {
            user_id,
            ip: self.ip.clone(),
            request_id: self.request_id.clone(),
        }
    }
}

/// A successful sign-in: the new session and who it belongs to.
pub struct SignedIn {
    pub started: StartedSession,
    pub user: user::Model,
}

/// Checks a password for an address already parsed (so nothing unbounded reaches a key, a
/// query or the audit log). `previous_token` is the session cookie presented with the request
/// (if any): it is ended, so nothing planted before sign-in survives it.
pub async fn with_password(
    db: &Db,
    policy: SessionPolicy,
    email: &Email,
    password: &str,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<Option<SignedIn>, ServiceError> {
    let account = users::find_by_email(db.conn(), email).await?;
    let stored = account
        .as_ref()
        .filter(|user| user.active)
        .and_then(|user| user.password_hash.clone());
    // Hashing is slow on purpose: run it off the async threads, and always run it.
    let candidate = password.to_string();
    let hash = stored
        .clone()
        .unwrap_or_else(|| passwords::dummy_hash().to_string());
    let matches =
        tokio::task::spawn_blocking(move || passwords::verify_password(&candidate, &hash))
            .await
            .map_err(|error| ServiceError::Internal(error.into()))?;
    match account {
        Some(user) if matches && stored.is_some() => {
            complete_sign_in(db, policy, user, "password", client, previous_token)
                .await
                .map(Some)
        }
        account => {
            let user_id = account.map(|user| UserId(user.id));
            audit::record(
                db.conn(),
                &client.actor(user_id),
                AuditEntry {
                    action: AuditAction::SigninFailure,
                    entity_type: "user",
                    entity_id: user_id.map(|id| id.0),
                    summary: Some(format!("password sign-in refused for {email}")),
                    ..AuditEntry::default()
                },
            )
            .await?;
            Ok(None)
        }
    }
}

/// Queues the sign-in link for `email`. The request does the same work whether or not an
/// account has this address — one job, no lookup — so neither the answer nor its timing tells
/// them apart; the job looks the account up and mails only an active one.
pub async fn request_link(db: &Db, email: &Email) -> Result<(), ServiceError> {
    jobs::enqueue(
        db.conn(),
        jobs::send_signin_link::SEND_SIGNIN_LINK,
        json!({ "email": email.as_str() }),
        None,
    )
    .await?;
    Ok(())
}

/// The queued half of [`request_link`]: mails a link if an active account has this address.
pub async fn deliver_requested_link(
    db: &Db,
    mailer: &dyn Mailer,
    settings: &Settings,
    email: &Email,
) -> Result<(), ServiceError> {
    let Some(user) = users::find_by_email(db.conn(), email).await? else {
        return Ok(());
    };
    if !user.active {
        return Ok(());
    }
    let message = compose_link(db, settings, &user, false).await?;
    mailer.send(&message).await?;
    Ok(())
}

/// Issues a link for `user` and sends it (sign-in, or an invitation when `invited`).
pub async fn send_link(
    db: &Db,
    mailer: Arc<dyn Mailer>,
    settings: &Settings,
    user: &user::Model,
    client: &ClientInfo,
    invited: bool,
) -> Result<(), ServiceError> {
    let message = compose_link(db, settings, user, invited).await?;
    let request_id = client.request_id.clone();
    // The token lives only in this message; it is never queued or stored in clear.
    tokio::spawn(async move {
        if let Err(error) = mailer.send(&message).await {
            tracing::warn!(
                request_id,
                error = format!("{error:#}"),
                "sending the sign-in link failed"
            );
        }
    });
    Ok(())
}

/// Issues a link for `user` and writes the message that carries it.
async fn compose_link(
    db: &Db,
    settings: &Settings,
    user: &user::Model,
    invited: bool,
) -> Result<OutgoingEmail, ServiceError> {
    let token = email_links::issue(db.conn(), UserId(user.id)).await?;
    let mut link = settings
        .auth_url
        .join("auth/verify")
        .map_err(anyhow::Error::from)?;
    link.query_pairs_mut().append_pair("token", &token);
    let (subject, opening) = if invited {
        (
            "You are invited to OPS Desktop".to_string(),
            format!(
                "Hello {},\n\nYou have been invited to OPS Desktop.",
                user.name
            ),
        )
    } else {
        (
            "Your OPS Desktop sign-in link".to_string(),
            format!(
                "Hello {},\n\nSomeone (hopefully you) asked to sign in to OPS Desktop.",
                user.name
            ),
        )
    };
    Ok(OutgoingEmail {
        to: user.email.clone(),
        subject,
        text: format!(
            "{opening}\n\nOpen this link within 10 minutes to sign in:\n\n{link}\n\n\
             The link works once. If you did not ask for it, ignore this message.\n"
        ),
    })
}

/// The longest link token looked up; ours are 64 characters.
const MAX_LINK_TOKEN_CHARS: usize = 128;

/// Uses an emailed link; `None` when it is unknown, used, expired or the user is inactive.
/// Failures are audited once per address per minute, not once per guess.
pub async fn with_link(
    db: &Db,
    policy: SessionPolicy,
    token: &str,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<Option<SignedIn>, ServiceError> {
    let redeemed = if token.len() <= MAX_LINK_TOKEN_CHARS {
        email_links::redeem(db.conn(), token).await?
    } else {
        None
    };
    let Some(user) = redeemed else {
        let address = client.ip.as_deref().unwrap_or("-");
        if !rate_limits::first_in_window(db, &format!("audit:verify-failure:{address}")).await? {
            return Ok(None);
        }
        audit::record(
            db.conn(),
            &client.actor(None),
            AuditEntry {
                action: AuditAction::SigninFailure,
                entity_type: "email_link",
                summary: Some(
                    "invalid, used or expired sign-in link (further failures from this address \
                     within the minute are not recorded)"
                        .to_string(),
                ),
                ..AuditEntry::default()
            },
        )
        .await?;
        return Ok(None);
    };
    complete_sign_in(db, policy, user, "link", client, previous_token)
        .await
        .map(Some)
}

async fn complete_sign_in(
    db: &Db,
    policy: SessionPolicy,
    user: user::Model,
    method: &str,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<SignedIn, ServiceError> {
    let txn = db.begin_write().await?;
    if let Some(previous) = previous_token {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        crate::db::entities::session::Entity::delete_many()
            .filter(crate::db::entities::session::Column::TokenHash.eq(tokens::hash(previous)))
            .exec(&txn)
            .await?;
    }
    let user_id = UserId(user.id);
    let started = sessions::start(
        &txn,
        user_id,
        policy,
        client.ip.clone(),
        client.user_agent.clone(),
    )
    .await?;
    audit::record(
        &txn,
        &client.actor(Some(user_id)),
        AuditEntry {
            action: AuditAction::SigninSuccess,
            entity_type: "user",
            entity_id: Some(user.id),
            summary: Some(format!("signed in by {method}")),
            ..AuditEntry::default()
        },
    )
    .await?;
    txn.commit().await?;
    Ok(SignedIn { started, user })
}

/// Ends the current session.
pub async fn sign_out(
    db: &Db,
    user_id: UserId,
    session_id: uuid::Uuid,
    client: &ClientInfo,
) -> Result<(), ServiceError> {
    let txn = db.begin_write().await?;
    sessions::end(&txn, session_id).await?;
    audit::record(
        &txn,
        &client.actor(Some(user_id)),
        AuditEntry {
            action: AuditAction::Signout,
            entity_type: "session",
            entity_id: Some(session_id),
            ..AuditEntry::default()
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
