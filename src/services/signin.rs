//! Signing in and out: by password, by emailed link, with an audit entry for each outcome.

use std::sync::Arc;

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
    services::{
        ServiceError,
        audit::{self, Actor, AuditEntry},
        users,
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
    fn actor(&self, user_id: Option<UserId>) -> Actor {
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

/// Checks a password. `previous_token` is the session cookie presented with the request (if
/// any): it is ended, so nothing planted before sign-in survives it.
pub async fn with_password(
    db: &Db,
    policy: SessionPolicy,
    email: &str,
    password: &str,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<Option<SignedIn>, ServiceError> {
    let account = match Email::parse(email) {
        Ok(email) => users::find_by_email(db.conn(), &email).await?,
        Err(_) => None,
    };
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
        _ => {
            let user_id = account_id(db, email).await?;
            audit::record(
                db.conn(),
                &client.actor(user_id),
                AuditEntry {
                    action: "signin.failure",
                    entity_type: "user",
                    entity_id: user_id.map(|id| id.0),
                    summary: Some(format!("password sign-in refused for {}", email.trim())),
                    ..AuditEntry::default()
                },
            )
            .await?;
            Ok(None)
        }
    }
}

async fn account_id(db: &Db, email: &str) -> Result<Option<UserId>, ServiceError> {
    Ok(match Email::parse(email) {
        Ok(email) => users::find_by_email(db.conn(), &email)
            .await?
            .map(|u| UserId(u.id)),
        Err(_) => None,
    })
}

/// Emails a sign-in link if an active account has this address. The caller answers the same
/// either way; the message is sent in the background so the answer takes as long either way.
pub async fn request_link(
    db: &Db,
    mailer: Arc<dyn Mailer>,
    settings: &Settings,
    email: &str,
    client: &ClientInfo,
) -> Result<(), ServiceError> {
    let Ok(email) = Email::parse(email) else {
        return Ok(());
    };
    let Some(user) = users::find_by_email(db.conn(), &email).await? else {
        return Ok(());
    };
    if !user.active {
        return Ok(());
    }
    send_link(db, mailer, settings, &user, client, false).await
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
    let message = OutgoingEmail {
        to: user.email.clone(),
        subject,
        text: format!(
            "{opening}\n\nOpen this link within 15 minutes to sign in:\n\n{link}\n\n\
             The link works once. If you did not ask for it, ignore this message.\n"
        ),
    };
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

/// Uses an emailed link; `None` when it is unknown, used, expired or the user is inactive.
pub async fn with_link(
    db: &Db,
    policy: SessionPolicy,
    token: &str,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<Option<SignedIn>, ServiceError> {
    let Some(user) = email_links::redeem(db.conn(), token).await? else {
        audit::record(
            db.conn(),
            &client.actor(None),
            AuditEntry {
                action: "signin.failure",
                entity_type: "email_link",
                summary: Some("invalid, used or expired sign-in link".to_string()),
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
            action: "signin.success",
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
            action: "signout",
            entity_type: "session",
            entity_id: Some(session_id),
            ..AuditEntry::default()
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
