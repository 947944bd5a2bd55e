//! Staying under HighLevel's burst limit of 100 requests per 10 seconds (per app and location):
//! a sliding window over the moments requests were let through, shared by every delivery in
//! the process, plus a pause that a 429's `Retry-After` sets for all of them at once.
//!
//! The window is a little longer than HighLevel's, because what counts is when requests
//! arrive there, and they arrive a few milliseconds after we let them go. Several instances
//! of the application each keep their own window (see the deployment notes).

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex, OnceLock},
    time::{Duration, Instant},
};

/// Requests allowed per window.
pub const BURST_LIMIT: usize = 100;
/// HighLevel's window.
pub const BURST_WINDOW: Duration = Duration::from_secs(10);
/// Added to the window to absorb network jitter.
pub const SAFETY_MARGIN: Duration = Duration::from_millis(500);

/// The bookkeeping of one limit, with time passed in (so it is tested without waiting).
#[derive(Debug)]
pub struct SlidingWindow {
    limit: usize,
    window: Duration,
    granted: VecDeque<Instant>,
    paused_until: Option<Instant>,
}

impl SlidingWindow {
    /// At most `limit` requests in any `window`.
    pub fn new(limit: usize, window: Duration) -> SlidingWindow {
        SlidingWindow {
            limit: limit.max(1),
            window,
            granted: VecDeque::new(),
            paused_until: None,
        }
    }

    /// Lets one request through at `now`, or says when to ask again.
    pub fn try_acquire(&mut self, now: Instant) -> Result<(), Instant> {
        if let Some(until) = self.paused_until {
            if now < until {
                return Err(until);
            }
            self.paused_until = None;
        }
        while self
            .granted
            .front()
            .is_some_and(|at| now.duration_since(*at) >= self.window)
        {
            self.granted.pop_front();
        }
        if self.granted.len() >= self.limit {
            let oldest = *self.granted.front().expect("the window is full");
            return Err(oldest + self.window);
        }
        self.granted.push_back(now);
        Ok(())
    }

    /// Lets nothing through before `until` (a 429 asked us to wait).
    pub fn pause_until(&mut self, until: Instant) {
        self.paused_until = Some(self.paused_until.map_or(until, |known| known.max(until)));
    }
}

/// A [`SlidingWindow`] that callers wait on.
#[derive(Debug)]
pub struct RateLimiter {
    window: Mutex<SlidingWindow>,
}

impl RateLimiter {
    /// At most `limit` requests in any `window`.
    pub fn new(limit: usize, window: Duration) -> RateLimiter {
        RateLimiter {
            window: Mutex::new(SlidingWindow::new(limit, window)),
        }
    }

    /// Waits until a request may go.
    pub async fn acquire(&self) {
        loop {
            let outcome = self.lock().try_acquire(Instant::now());
            match outcome {
                Ok(()) => return,
                Err(retry_at) => tokio::time::sleep_until(retry_at.into()).await,
            }
        }
    }

    /// Holds every request back for `delay`.
    pub fn pause_for(&self, delay: Duration) {
        self.lock().pause_until(Instant::now() + delay);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SlidingWindow> {
        self.window
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

/// The process-wide limiter for one API base and location: HighLevel counts per location,
/// so every delivery to the same one shares a window.
pub fn shared(api_base: &str, location_id: &str) -> Arc<RateLimiter> {
    static LIMITERS: OnceLock<Mutex<HashMap<String, Arc<RateLimiter>>>> = OnceLock::new();
    let mut limiters = LIMITERS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poison| poison.into_inner());
    limiters
        .entry(format!("{api_base}|{location_id}"))
        .or_insert_with(|| Arc::new(RateLimiter::new(BURST_LIMIT, BURST_WINDOW + SAFETY_MARGIN)))
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lets_the_limit_through_then_waits_for_the_oldest_to_leave_the_window() {
        let mut window = SlidingWindow::new(3, Duration::from_secs(10));
        let start = Instant::now();
        for offset in [0, 1, 2] {
            window
                .try_acquire(start + Duration::from_secs(offset))
                .unwrap();
        }
        assert_eq!(
            window.try_acquire(start + Duration::from_secs(5)),
            Err(start + Duration::from_secs(10))
        );
        window
            .try_acquire(start + Duration::from_secs(10))
            .expect("the first left the window");
        assert_eq!(
            window.try_acquire(start + Duration::from_secs(10)),
            Err(start + Duration::from_secs(11))
        );
    }

    #[test]
    fn no_window_of_the_given_length_ever_holds_more_than_the_limit() {
        let mut window = SlidingWindow::new(100, Duration::from_secs(10));
        let start = Instant::now();
        let mut granted = Vec::new();
        let mut now = start;
        while granted.len() < 350 {
            match window.try_acquire(now) {
                Ok(()) => granted.push(now),
                Err(retry_at) => now = retry_at,
            }
            now += Duration::from_millis(7);
        }
        for (i, at) in granted.iter().enumerate() {
            let within = granted[i..]
                .iter()
                .take_while(|later| later.duration_since(*at) < Duration::from_secs(10))
                .count();
            assert!(within <= 100, "{within} requests in one window");
        }
    }

    #[test]
    fn a_pause_holds_everything_back_until_it_ends() {
        let mut window = SlidingWindow::new(100, Duration::from_secs(10));
        let start = Instant::now();
        window.pause_until(start + Duration::from_secs(3));
        window.pause_until(start + Duration::from_secs(1));
        assert_eq!(
            window.try_acquire(start),
            Err(start + Duration::from_secs(3)),
            "the longer pause wins"
        );
        window
            .try_acquire(start + Duration::from_secs(3))
            .expect("the pause is over");
    }
}
