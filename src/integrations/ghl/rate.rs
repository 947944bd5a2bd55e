//! Staying under HighLevel's burst limit of 100 requests per 10 seconds (per app and location):
//! a sliding window shared by every delivery in the process, plus a pause that a 429's
//! `Retry-After` sets for all of them at once.
//!
//! HighLevel counts a request when it arrives, and all we know of that moment is that it lies
//! between letting the request go and reading its answer. So a request holds its place in the
//! window from the moment it is let through until a full window after its answer came back
//! (the [`Slot`] marks that when dropped): however slow the network or the machine, no window of
//! HighLevel's length can see more than the limit arrive. Several instances of the application
//! each keep their own window (see the deployment notes).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock},
    time::{Duration, Instant},
};

/// Requests allowed per window.
pub const BURST_LIMIT: usize = 100;
/// HighLevel's window.
pub const BURST_WINDOW: Duration = Duration::from_secs(10);
/// How often a full window of requests still in flight is looked at again.
const IN_FLIGHT_RECHECK: Duration = Duration::from_millis(50);

/// One request's place in the window.
#[derive(Debug, Clone, Copy)]
struct Place {
    id: u64,
    /// When its answer came back; `None` while it is in flight.
    answered: Option<Instant>,
}

/// The bookkeeping of one limit, with time passed in (so it is tested without waiting).
#[derive(Debug)]
pub struct SlidingWindow {
    limit: usize,
    window: Duration,
    places: Vec<Place>,
    next_id: u64,
    paused_until: Option<Instant>,
}

impl SlidingWindow {
    /// At most `limit` requests in any `window`.
    pub fn new(limit: usize, window: Duration) -> SlidingWindow {
        SlidingWindow {
            limit: limit.max(1),
            window,
            places: Vec::new(),
            next_id: 0,
            paused_until: None,
        }
    }

    /// Lets one request through at `now` (its place id, for [`SlidingWindow::answered`]), or
    /// says when to ask again.
    pub fn try_acquire(&mut self, now: Instant) -> Result<u64, Instant> {
        if let Some(until) = self.paused_until {
            if now < until {
                return Err(until);
            }
            self.paused_until = None;
        }
        let window = self.window;
        self.places.retain(|place| {
            place
                .answered
                .is_none_or(|at| now.duration_since(at) < window)
        });
        if self.places.len() >= self.limit {
            let first_free = self
                .places
                .iter()
                .filter_map(|place| place.answered)
                .min()
                .map_or(now + IN_FLIGHT_RECHECK, |at| at + window);
            return Err(first_free);
        }
        let id = self.next_id;
        self.next_id += 1;
        self.places.push(Place { id, answered: None });
        Ok(id)
    }

    /// The request holding place `id` got its answer (or gave up) at `at`.
    pub fn answered(&mut self, id: u64, at: Instant) {
        if let Some(place) = self.places.iter_mut().find(|place| place.id == id) {
            place.answered = Some(at);
        }
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

/// A request's place in the window; dropping it (after the answer) starts the place's last
/// full window.
#[derive(Debug)]
pub struct Slot<'a> {
    limiter: &'a RateLimiter,
    id: u64,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.limiter.lock().answered(self.id, Instant::now());
    }
}

impl RateLimiter {
    /// At most `limit` requests in any `window`.
    pub fn new(limit: usize, window: Duration) -> RateLimiter {
        RateLimiter {
            window: Mutex::new(SlidingWindow::new(limit, window)),
        }
    }

    /// Waits until a request may go; hold the slot until its answer has been read.
    pub async fn acquire(&self) -> Slot<'_> {
        loop {
            let outcome = self.lock().try_acquire(Instant::now());
            match outcome {
                Ok(id) => return Slot { limiter: self, id },
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
        .or_insert_with(|| Arc::new(RateLimiter::new(BURST_LIMIT, BURST_WINDOW)))
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered_at_once(window: &mut SlidingWindow, at: Instant) -> Result<(), Instant> {
        let id = window.try_acquire(at)?;
        window.answered(id, at);
        Ok(())
    }

    #[test]
    fn lets_the_limit_through_then_waits_for_the_oldest_to_leave_the_window() {
        let mut window = SlidingWindow::new(3, Duration::from_secs(10));
        let start = Instant::now();
        for offset in [0, 1, 2] {
            answered_at_once(&mut window, start + Duration::from_secs(offset)).unwrap();
        }
        assert_eq!(
            answered_at_once(&mut window, start + Duration::from_secs(5)),
            Err(start + Duration::from_secs(10))
        );
        answered_at_once(&mut window, start + Duration::from_secs(10))
            .expect("the first left the window");
        assert_eq!(
            answered_at_once(&mut window, start + Duration::from_secs(10)),
            Err(start + Duration::from_secs(11))
        );
    }

    #[test]
    fn a_request_still_in_flight_keeps_its_place() {
        let mut window = SlidingWindow::new(2, Duration::from_secs(10));
        let start = Instant::now();
        window.try_acquire(start).unwrap();
        let slow = window.try_acquire(start).unwrap();
        let later = start + Duration::from_secs(3600);
        assert_eq!(window.try_acquire(later), Err(later + IN_FLIGHT_RECHECK));
        window.answered(slow, later);
        assert_eq!(
            window.try_acquire(later + Duration::from_secs(1)),
            Err(later + Duration::from_secs(10)),
            "free a full window after the answer, not after the send"
        );
    }

    #[test]
    fn no_window_sees_more_than_the_limit_arrive_however_late_requests_arrive() {
        let mut window = SlidingWindow::new(100, Duration::from_secs(10));
        let start = Instant::now();
        let mut arrivals = Vec::new();
        let mut now = start;
        let mut n: u64 = 0;
        while arrivals.len() < 350 {
            match window.try_acquire(now) {
                Ok(id) => {
                    // Latencies from 0 to 2.9 s in a scrambled order: early requests are
                    // sometimes the slow ones.
                    n += 1;
                    let latency = Duration::from_millis((n * 7919) % 2900);
                    arrivals.push(now + latency);
                    window.answered(id, now + latency + Duration::from_millis(5));
                }
                Err(retry_at) => now = retry_at,
            }
            now += Duration::from_millis(7);
        }
        arrivals.sort();
        for (i, at) in arrivals.iter().enumerate() {
            let within = arrivals[i..]
                .iter()
                .take_while(|later| later.duration_since(*at) < Duration::from_secs(10))
                .count();
            assert!(within <= 100, "{within} requests arrived in one window");
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
