//! Limits shared by every instance: their counters live in the `rate_limits` table, so several
//! instances on one PostgreSQL database enforce one limit between them, not one each.
//!
//! Sign-in is limited per account and address together (an attacker's guesses from their
//! address do not stop the real person at theirs), with higher ceilings per account over all
//! addresses and per address over all accounts, and windows that grow while they keep being
//! exceeded (see `auth::rate_limit`). Every key is built from parsed, bounded values; rows
//! expire within minutes and are swept whenever a new key is stored.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, Set,
    TryInsertResult,
};

use super::{
    ServiceError,
    audit::{self, Actor, AuditEntry},
};
use crate::domain::audit_action::AuditAction;
use crate::{
    auth::rate_limit::{self, Rule, Verdict, Window, bounded_key},
    config::Settings,
    db::{Db, entities::rate_limit as row, time},
    domain::user::Email,
};

/// Counts one hit for `key` under `rule`. The row is locked for its read-modify-write, so
/// concurrent hits from any instance are all counted.
pub async fn hit(db: &Db, key: &str, rule: Rule) -> Result<Verdict, ServiceError> {
    let key = bounded_key(key);
    let now = time::now();
    let txn = db.begin_write().await?;
    // Make sure a row exists to lock: the first hit of a key inserts it, racers find it.
    let placeholder = row::ActiveModel {
        key: Set(key.clone()),
        hits: Set(0),
        window_ends_at: Set(now),
        strikes: Set(0),
        refused: Set(false),
        expires_at: Set(now),
    };
    let inserted = row::Entity::insert(placeholder)
        .on_conflict_do_nothing()
        .exec(&txn)
        .await?;
    let created = matches!(inserted, TryInsertResult::Inserted(_));
    let stored = row::Entity::find_by_id(key.clone())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the rate-limit row vanished inside its transaction"))?;
    let previous = (!created).then(|| window_of(&stored));
    let (window, verdict) = rate_limit::hit(previous, rule, now);
    let mut active = stored.into_active_model();
    active.hits = Set(window.hits as i32);
    active.window_ends_at = Set(window.ends_at);
    active.strikes = Set(window.strikes as i32);
    active.refused = Set(window.refused);
    active.expires_at = Set(window.expires_at(rule));
    active.update(&txn).await?;
    txn.commit().await?;
    if created {
        sweep(db, now).await?;
    }
    Ok(verdict)
}

fn window_of(stored: &row::Model) -> Window {
    Window {
        hits: stored.hits.max(0) as u32,
        ends_at: stored.window_ends_at,
        strikes: stored.strikes.max(0) as u32,
        refused: stored.refused,
    }
}

/// Forgets every key whose state has expired.
pub async fn sweep(db: &Db, now: DateTime<Utc>) -> Result<u64, ServiceError> {
    Ok(row::Entity::delete_many()
        .filter(row::Column::ExpiresAt.lt(now))
        .exec(db.conn())
        .await?
        .rows_affected)
}

/// How many keys are stored (tests and operators use this to see the table stay small).
pub async fn stored_keys(db: &Db) -> Result<u64, ServiceError> {
    use sea_orm::PaginatorTrait;
    Ok(row::Entity::find().count(db.conn()).await?)
}

/// True the first time `key` is seen in its one-minute window: for things worth recording
/// once per window, not once per request (refusals, failed links).
pub async fn first_in_window(db: &Db, key: &str) -> Result<bool, ServiceError> {
    Ok(hit(db, key, Rule::per_minute(1)).await? == Verdict::Allowed)
}

/// What is being attempted before signing in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// A password sign-in.
    Password,
    /// A request for an emailed sign-in link.
    EmailLink,
    /// The confirmation of an emailed link (no account is known yet: limited by address).
    LinkConfirmation,
}

impl Attempt {
    fn name(self) -> &'static str {
        match self {
            Attempt::Password => "signin",
            Attempt::EmailLink => "email_link",
            Attempt::LinkConfirmation => "verify",
        }
    }
}

/// The sign-in limits, per minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigninLimits {
    /// Attempts for one account from one address.
    pub per_account_address: u32,
    /// Attempts for one account from all addresses together (the ceiling).
    pub per_account: u32,
    /// Attempts from one address for all accounts together (and link confirmations).
    pub per_address: u32,
}

impl SigninLimits {
    pub fn from_settings(settings: &Settings) -> SigninLimits {
        SigninLimits {
            per_account_address: settings.rate_limit_signin_per_minute,
            per_account: settings.rate_limit_signin_account_per_minute,
            per_address: settings.rate_limit_signin_address_per_minute,
        }
    }
}

/// Counts one attempt; refuses it (with an audit entry, the first time in each window per
/// key) when a limit is reached. `account` is `None` for link confirmations. A refused
/// attempt does not count against the later keys, so an attacker held back at their own
/// address does not use up the account's ceiling.
///
/// What stays per process, and why: the per-person API limit and the refused-webhook limit
/// (`auth::rate_limit::RateLimiter`) — they are checked on every API call or forged delivery,
/// where a database write each would cost more than the limit saves, and their keys are few
/// (one per person, or per refused sender address). Sign-in is where limits must hold across
/// instances, so those counters are here.
pub async fn check_attempt(
    db: &Db,
    limits: SigninLimits,
    attempt: Attempt,
    account: Option<&Email>,
    address: &str,
    actor: &Actor,
) -> Result<(), ServiceError> {
    let what = attempt.name();
    // The address first: a flood of made-up accounts from one address is stopped there,
    // before each one adds keys of its own.
    let mut keys: Vec<(String, u32, &'static str)> = vec![(
        format!("{what}:address:{address}"),
        limits.per_address,
        "address",
    )];
    if let Some(email) = account {
        keys.push((
            format!("{what}:account+address:{email}|{address}"),
            limits.per_account_address,
            "account and address",
        ));
        keys.push((
            format!("{what}:account:{email}"),
            limits.per_account,
            "account",
        ));
    }
    for (key, limit, scope) in keys {
        if let Verdict::Refused {
            retry_after,
            first_in_window,
        } = hit(db, &key, Rule::per_minute(limit)).await?
        {
            if first_in_window {
                let account = account.map(Email::as_str).unwrap_or("-");
                audit::record(
                    db.conn(),
                    actor,
                    AuditEntry {
                        action: AuditAction::RateLimitHit,
                        entity_type: if attempt == Attempt::Password {
                            "signin"
                        } else {
                            "email_link"
                        },
                        summary: Some(format!(
                            "{what} limit per {scope} reached (account {account}, address {address})"
                        )),
                        ..AuditEntry::default()
                    },
                )
                .await?;
            }
            return Err(ServiceError::RateLimited {
                retry_after_secs: retry_after.as_secs().max(1),
            });
        }
    }
    Ok(())
}
