//! Server-side sessions: a random token in the cookie, its hash in the database, an absolute
//! and an idle expiry, and revocation that takes effect on the next request.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    sea_query::Expr,
};
use uuid::Uuid;

use super::tokens;
use crate::{
    config::Settings,
    db::{
        Db,
        entities::{session, user},
        time,
    },
    domain::ids::{UserId, new_uuid},
    services::ServiceError,
};

/// How long sessions live.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub idle: TimeDelta,
    pub absolute: TimeDelta,
}

impl SessionPolicy {
    pub fn from_settings(settings: &Settings) -> SessionPolicy {
        SessionPolicy {
            idle: TimeDelta::minutes(settings.session_idle_minutes.into()),
            absolute: TimeDelta::minutes(settings.session_max_minutes.into()),
        }
    }
}

/// How long a sign-in (or a later confirmation) counts as recent: sensitive actions need one
/// this fresh, so a session left open all day cannot create credentials or change who may do
/// what without the person proving again that it is them (see SECURITY.md, "Session
/// lifetimes").
pub const RECENT_SIGN_IN: TimeDelta = TimeDelta::minutes(10);

/// Whether a session that last proved who it is at `authenticated_at` did so recently at
/// `now`. A session with no time recorded (older than the column) is not recent.
pub fn is_recent(authenticated_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    authenticated_at.is_some_and(|at| at <= now && now - at < RECENT_SIGN_IN)
}

/// `last_seen_at` is refreshed at most this often, so reads do not each cost a write.
const TOUCH_EVERY: TimeDelta = TimeDelta::seconds(60);

/// A session just started: `token` goes into the cookie and is never stored.
pub struct StartedSession {
    pub token: String,
    pub session: session::Model,
}

/// A valid session and its (active) user.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub session: session::Model,
    pub user: user::Model,
}

/// Starts a session for `user_id` with a brand-new token (never reusing one presented before
/// sign-in, which defeats session fixation) and notes the sign-in time.
pub async fn start(
    conn: &impl ConnectionTrait,
    user_id: UserId,
    policy: SessionPolicy,
    ip: Option<String>,
    user_agent: Option<String>,
) -> Result<StartedSession, ServiceError> {
    let token = tokens::generate("");
    let now = time::now();
    let session = session::ActiveModel {
        id: Set(new_uuid()),
        user_id: Set(user_id.0),
        token_hash: Set(tokens::hash(&token)),
        csrf_token: Set(tokens::generate("")),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + policy.absolute),
        ip: Set(ip),
        user_agent: Set(user_agent.map(|ua| ua.chars().take(300).collect())),
        authenticated_at: Set(Some(now)),
        confirm_token_hash: Set(None),
        confirm_expires_at: Set(None),
    }
    .insert(conn)
    .await?;
    user::Entity::update_many()
        .col_expr(user::Column::LastSignInAt, Expr::value(now))
        .filter(user::Column::Id.eq(user_id.0))
        .exec(conn)
        .await?;
    Ok(StartedSession { token, session })
}

/// Looks up the session behind a cookie value; expired sessions are deleted on sight.
pub async fn authenticate(
    db: &Db,
    token: &str,
    policy: SessionPolicy,
) -> Result<Option<SessionUser>, ServiceError> {
    let found = session::Entity::find()
        .filter(session::Column::TokenHash.eq(tokens::hash(token)))
        .find_also_related(user::Entity)
        .one(db.conn())
        .await?;
    let Some((session, Some(user))) = found else {
        return Ok(None);
    };
    let now = time::now();
    let expired = session.expires_at <= now || session.last_seen_at + policy.idle <= now;
    if expired || !user.active {
        session::Entity::delete_by_id(session.id)
            .exec(db.conn())
            .await?;
        return Ok(None);
    }
    if now - session.last_seen_at >= TOUCH_EVERY {
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .filter(session::Column::Id.eq(session.id))
            .exec(db.conn())
            .await?;
    }
    Ok(Some(SessionUser { session, user }))
}

/// Whether a session is still good: not ended, not expired, its person still active. Long
/// answers (the live stream) ask again while they run, since their request was checked once.
pub async fn is_live(
    conn: &impl ConnectionTrait,
    session_id: Uuid,
    policy: SessionPolicy,
) -> Result<bool, ServiceError> {
    let found = session::Entity::find_by_id(session_id)
        .find_also_related(user::Entity)
        .one(conn)
        .await?;
    let Some((session, Some(user))) = found else {
        return Ok(false);
    };
    let now = time::now();
    Ok(user.active && session.expires_at > now && session.last_seen_at + policy.idle > now)
}

/// Ends one session (sign-out).
pub async fn end(conn: &impl ConnectionTrait, session_id: Uuid) -> Result<(), ServiceError> {
    session::Entity::delete_by_id(session_id).exec(conn).await?;
    Ok(())
}

/// Ends one of `user_id`'s own sessions; `false` if it is not theirs or does not exist.
pub async fn end_own(
    conn: &impl ConnectionTrait,
    user_id: UserId,
    session_id: Uuid,
) -> Result<bool, ServiceError> {
    let result = session::Entity::delete_many()
        .filter(session::Column::Id.eq(session_id))
        .filter(session::Column::UserId.eq(user_id.0))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Ends every session of a user ("sign out everywhere", deactivation, role change).
pub async fn end_all(conn: &impl ConnectionTrait, user_id: UserId) -> Result<u64, ServiceError> {
    let result = session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id.0))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// A user's sessions, newest first.
pub async fn list(
    conn: &impl ConnectionTrait,
    user_id: UserId,
) -> Result<Vec<session::Model>, ServiceError> {
    Ok(session::Entity::find()
        .filter(session::Column::UserId.eq(user_id.0))
        .order_by_desc(session::Column::LastSeenAt)
        .all(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sign_in_is_recent_for_ten_minutes_and_a_missing_one_never() {
        let now = time::now();
        assert!(is_recent(Some(now), now));
        assert!(is_recent(Some(now - TimeDelta::minutes(9)), now));
        assert!(!is_recent(Some(now - RECENT_SIGN_IN), now));
        assert!(!is_recent(Some(now - TimeDelta::hours(3)), now));
        // A time in the future is not trusted (a clock set back, or a forged row).
        assert!(!is_recent(Some(now + TimeDelta::minutes(1)), now));
        assert!(!is_recent(None, now));
    }
}
