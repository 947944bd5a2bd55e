//! In-process rate limits: a fixed one-minute window per key (an IP address, an account).
//! Exceeding answers "wait N seconds", never a lockout: the window simply rolls over.
//!
//! Limits are per instance; several instances behind a load balancer each allow the limit.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

const WINDOW: Duration = Duration::from_secs(60);

/// One limit, e.g. "10 sign-in attempts per minute".
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn per_minute(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute: per_minute.max(1),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt for `key`; `Err(retry_after)` when over the limit.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        self.check_at(key, Instant::now())
    }

    fn check_at(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if windows.len() > 10_000 {
            windows.retain(|_, (started, _)| now.duration_since(*started) < WINDOW);
        }
        let entry = windows.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        if entry.1 >= self.per_minute {
            let retry_after = WINDOW.saturating_sub(now.duration_since(entry.0));
            return Err(retry_after.max(Duration::from_secs(1)));
        }
        entry.1 += 1;
        Ok(())
    }
}

/// The limits the application enforces.
#[derive(Debug)]
pub struct RateLimits {
    pub signin: RateLimiter,
    pub email_link: RateLimiter,
    pub api: RateLimiter,
}

impl RateLimits {
    pub fn new(signin_per_minute: u32, api_per_minute: u32) -> RateLimits {
        RateLimits {
            signin: RateLimiter::per_minute(signin_per_minute),
            email_link: RateLimiter::per_minute(signin_per_minute),
            api: RateLimiter::per_minute(api_per_minute),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_limit_then_refuses_until_the_window_rolls_over() {
        let limiter = RateLimiter::per_minute(3);
        let start = Instant::now();
        for _ in 0..3 {
            limiter.check_at("ip:1", start).unwrap();
        }
        let wait = limiter
            .check_at("ip:1", start + Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(50));
        limiter
            .check_at("ip:2", start)
            .expect("other keys are separate");
        limiter
            .check_at("ip:1", start + Duration::from_secs(61))
            .expect("no permanent lockout");
    }
}
