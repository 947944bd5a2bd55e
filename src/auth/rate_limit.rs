//! Rate-limit arithmetic, pure: a fixed window per key that grows while it keeps being
//! exceeded, and an in-process limiter built on it.
//!
//! A key that goes over its limit waits out the rest of its window. If it goes over again in
//! the next window, that window lasts twice as long, then four times, up to sixteen; one window
//! without a refusal brings it back to normal. So hammering meets growing delays, and nobody is
//! ever locked out for good: the longest wait is sixteen windows.
//!
//! The same [`hit`] drives the limits shared through the database (`services::rate_limits`,
//! used for sign-in, where several instances must not multiply the limit) and the in-process
//! [`RateLimiter`] below.

use std::{collections::HashMap, sync::Mutex, time::Duration};

use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest, Sha256};

/// Longer keys are replaced by their SHA-256, so no caller can make a key large.
pub const MAX_KEY_BYTES: usize = 200;

/// A window grows to at most `2^MAX_DOUBLINGS` times its length.
const MAX_DOUBLINGS: u32 = 4;

/// "`limit` hits per `window`".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub limit: u32,
    pub window: TimeDelta,
}

impl Rule {
    pub fn per_minute(limit: u32) -> Rule {
        Rule {
            limit: limit.max(1),
            window: TimeDelta::minutes(1),
        }
    }
}

/// What is remembered about one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Hits allowed in the current window.
    pub hits: u32,
    pub ends_at: DateTime<Utc>,
    /// Windows in a row that ended with a refusal (this one included once refused).
    pub strikes: u32,
    /// Whether this window has refused a hit yet.
    pub refused: bool,
}

impl Window {
    /// After this instant the key is forgotten (a further window must pass without a hit for
    /// the strikes to be dropped).
    pub fn expires_at(&self, rule: Rule) -> DateTime<Utc> {
        self.ends_at + rule.window
    }
}

/// The answer to one hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    Refused {
        retry_after: Duration,
        /// True for the window's first refusal: the one worth an audit entry.
        first_in_window: bool,
    },
}

/// Counts one hit at `now` against a key whose state was `previous`; returns the new state.
pub fn hit(previous: Option<Window>, rule: Rule, now: DateTime<Utc>) -> (Window, Verdict) {
    let fresh = |strikes| Window {
        hits: 0,
        ends_at: now + rule.window,
        strikes,
        refused: false,
    };
    let mut window = match previous {
        Some(old) if now < old.ends_at => old,
        Some(old) if now < old.expires_at(rule) && old.refused => fresh(old.strikes),
        _ => fresh(0),
    };
    if window.hits < rule.limit {
        window.hits += 1;
        return (window, Verdict::Allowed);
    }
    let first_in_window = !window.refused;
    if first_in_window {
        window.refused = true;
        window.strikes = window.strikes.saturating_add(1);
        let doublings = (window.strikes - 1).min(MAX_DOUBLINGS);
        window.ends_at += rule.window * ((1 << doublings) - 1);
    }
    let retry_after = (window.ends_at - now)
        .to_std()
        .unwrap_or_default()
        .max(Duration::from_secs(1));
    (
        window,
        Verdict::Refused {
            retry_after,
            first_in_window,
        },
    )
}

/// `key`, or its SHA-256 in hex when it is longer than [`MAX_KEY_BYTES`].
pub fn bounded_key(key: &str) -> String {
    if key.len() <= MAX_KEY_BYTES {
        key.to_string()
    } else {
        format!("sha256:{}", hex::encode(Sha256::digest(key.as_bytes())))
    }
}

/// A limit kept in this process's memory.
///
/// Used where a database write per request would cost too much and the keys are few: the
/// per-person API limit (one key per signed-in person) and refused webhooks. These stay per
/// instance, so with N instances the effective limit is N times the setting. Memory is bounded:
/// expired keys are swept whenever the map reaches half its capacity, and once it is full new
/// keys are refused until old ones expire.
#[derive(Debug)]
pub struct RateLimiter {
    rule: Rule,
    capacity: usize,
    windows: Mutex<HashMap<String, Window>>,
}

/// How many keys an in-process limiter holds at most (about 3 MB at the longest keys).
pub const DEFAULT_CAPACITY: usize = 10_000;

impl RateLimiter {
    pub fn per_minute(per_minute: u32) -> RateLimiter {
        RateLimiter::with_capacity(Rule::per_minute(per_minute), DEFAULT_CAPACITY)
    }

    pub fn with_capacity(rule: Rule, capacity: usize) -> RateLimiter {
        RateLimiter {
            rule,
            capacity: capacity.max(2),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt for `key`; `Err(retry_after)` when over the limit.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        self.check_at(key, Utc::now())
    }

    /// How many keys are held right now.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Window>> {
        self.windows
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    pub fn check_at(&self, key: &str, now: DateTime<Utc>) -> Result<(), Duration> {
        let key = bounded_key(key);
        let rule = self.rule;
        let mut windows = self.lock();
        if !windows.contains_key(&key) && windows.len() >= self.capacity / 2 {
            windows.retain(|_, window| now < window.expires_at(rule));
            if windows.len() >= self.capacity {
                // Full of live keys: refuse newcomers rather than grow without bound.
                return Err(rule.window.to_std().unwrap_or(Duration::from_secs(60)));
            }
        }
        let previous = windows.get(&key).copied();
        let (window, verdict) = hit(previous, rule, now);
        windows.insert(key, window);
        match verdict {
            Verdict::Allowed => Ok(()),
            Verdict::Refused { retry_after, .. } => Err(retry_after),
        }
    }
}

/// The limits the application keeps in memory (sign-in limits live in the database).
#[derive(Debug)]
pub struct RateLimits {
    pub api: RateLimiter,
}

impl RateLimits {
    pub fn new(api_per_minute: u32) -> RateLimits {
        RateLimits {
            api: RateLimiter::per_minute(api_per_minute),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn allows_the_limit_then_refuses_until_the_window_rolls_over() {
        let limiter = RateLimiter::per_minute(3);
        for _ in 0..3 {
            limiter.check_at("ip:1", at(0)).unwrap();
        }
        let wait = limiter.check_at("ip:1", at(10)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(50));
        limiter
            .check_at("ip:2", at(0))
            .expect("other keys are separate");
        limiter
            .check_at("ip:1", at(61))
            .expect("no permanent lockout");
    }

    #[test]
    fn windows_grow_while_refused_and_recover_after_a_quiet_window() {
        let rule = Rule::per_minute(1);
        let mut state = None;
        let mut waits = Vec::new();
        let mut now = at(0);
        for _ in 0..7 {
            let (window, allowed) = hit(state, rule, now);
            assert_eq!(allowed, Verdict::Allowed);
            let (window, refused) = hit(Some(window), rule, now);
            let Verdict::Refused {
                retry_after,
                first_in_window,
            } = refused
            else {
                panic!("the second hit is refused");
            };
            assert!(first_in_window);
            let (window, again) = hit(Some(window), rule, now);
            assert!(matches!(
                again,
                Verdict::Refused {
                    first_in_window: false,
                    ..
                }
            ));
            waits.push(retry_after.as_secs() / 60);
            now = window.ends_at;
            state = Some(window);
        }
        assert_eq!(waits, [1, 2, 4, 8, 16, 16, 16], "growing, then capped");
        // A window without refusals, then another: forgotten.
        let (quiet, _) = hit(state, rule, now);
        let (fresh, verdict) = hit(Some(quiet), rule, quiet.expires_at(rule));
        assert_eq!(verdict, Verdict::Allowed);
        assert_eq!(fresh.strikes, 0);
    }

    #[test]
    fn memory_is_bounded_and_swept() {
        let limiter = RateLimiter::with_capacity(Rule::per_minute(5), 100);
        for n in 0..100 {
            limiter.check_at(&format!("k{n}"), at(0)).unwrap();
        }
        assert!(limiter.len() <= 100);
        assert!(
            limiter.check_at("newcomer", at(1)).is_err(),
            "a full limiter refuses new keys"
        );
        limiter
            .check_at("k1", at(1))
            .expect("known keys still count");
        // Two windows later every key has expired and is swept on the next new key.
        limiter.check_at("later", at(121)).unwrap();
        assert_eq!(limiter.len(), 1);
        // Long keys are stored by their hash.
        limiter.check_at(&"x".repeat(1_000_000), at(121)).unwrap();
        assert!(limiter.lock().keys().all(|key| key.len() <= MAX_KEY_BYTES));
    }
}
