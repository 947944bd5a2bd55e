//! How long a failed job waits before its next attempt.

use std::time::Duration;

/// Exponential backoff: `base * 2^(attempt-1)`, capped at `max`. `attempt` counts from 1 (the
/// attempt that just failed). No jitter: attempts are already spread by their enqueue times,
/// and a predictable schedule is easier to reason about on the events page.
pub fn delay_after_attempt(attempt: u32, base: Duration, max: Duration) -> Duration {
    let exponent = attempt.saturating_sub(1).min(30);
    base.saturating_mul(1u32 << exponent).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_each_attempt_until_the_cap() {
        let base = Duration::from_secs(2);
        let max = Duration::from_secs(60);
        let delays: Vec<u64> = (1..=7)
            .map(|n| delay_after_attempt(n, base, max).as_secs())
            .collect();
        assert_eq!(delays, [2, 4, 8, 16, 32, 60, 60]);
    }

    #[test]
    fn huge_attempt_numbers_do_not_overflow() {
        let d = delay_after_attempt(u32::MAX, Duration::from_secs(1), Duration::from_secs(3600));
        assert_eq!(d, Duration::from_secs(3600));
    }
}
