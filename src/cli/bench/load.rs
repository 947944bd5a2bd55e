//! A closed-loop load generator: `connections` workers each send one request, wait for the
//! answer, and send the next, for a fixed time. Latencies are kept whole (microseconds), so the
//! percentiles are exact rather than estimated.

use std::{
    future::Future,
    sync::Arc,
    time::{Duration, Instant},
};

/// What one run measured.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Figures {
    pub requests: u64,
    pub errors: u64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    /// The first failure's description, to make errors explainable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_error: Option<String>,
}

/// The value below which `share` of the sorted `latencies` fall (nearest rank).
fn percentile(sorted: &[u32], share: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((share * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    f64::from(sorted[rank - 1]) / 1000.0
}

/// Runs `operation(worker, turn)` from `connections` workers for `duration`. Every call counts;
/// an `Err` counts as an error (its latency is kept too: a slow failure is still slow).
pub async fn run<F, Fut>(connections: usize, duration: Duration, operation: F) -> Figures
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), String>> + Send,
{
    let operation = Arc::new(operation);
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = Vec::with_capacity(connections);
    for worker in 0..connections {
        let operation = operation.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(4096);
            let mut errors = 0u64;
            let mut first_error = None;
            let mut turn = 0u64;
            while Instant::now() < deadline {
                let sent = Instant::now();
                let outcome = operation(worker, turn * 1_000 + worker as u64).await;
                let micros = u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX);
                latencies.push(micros);
                if let Err(error) = outcome {
                    errors += 1;
                    first_error.get_or_insert(error);
                }
                turn += 1;
            }
            (latencies, errors, first_error)
        }));
    }
    let mut all = Vec::new();
    let mut figures = Figures::default();
    for worker in workers {
        if let Ok((latencies, errors, first_error)) = worker.await {
            all.extend(latencies);
            figures.errors += errors;
            if figures.first_error.is_none() {
                figures.first_error = first_error;
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64().max(f64::EPSILON);
    all.sort_unstable();
    figures.requests = all.len() as u64;
    figures.per_second = (all.len() as f64 / elapsed * 10.0).round() / 10.0;
    figures.p50_ms = percentile(&all, 0.50);
    figures.p95_ms = percentile(&all, 0.95);
    figures.p99_ms = percentile(&all, 0.99);
    figures
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let sorted: Vec<u32> = (1..=100).map(|n| n * 1000).collect();
        assert_eq!(percentile(&sorted, 0.50), 50.0);
        assert_eq!(percentile(&sorted, 0.99), 99.0);
        assert_eq!(percentile(&[7000], 0.95), 7.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }
}
