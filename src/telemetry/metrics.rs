//! Process metrics in the Prometheus text format: requests by route and status, request time,
//! and job outcomes. Counters are process-wide (a scrape sees this instance), kept in one
//! small map behind a mutex: a handful of label sets, updated once per request.

use std::{
    collections::BTreeMap,
    fmt::Write,
    sync::{LazyLock, Mutex},
};

#[derive(Default)]
struct Registry {
    requests: BTreeMap<(String, String, u16), u64>,
    durations: BTreeMap<String, (f64, u64)>,
    jobs: BTreeMap<(String, &'static str), u64>,
    webhooks_rejected: BTreeMap<WebhookRejection, u64>,
}

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(Mutex::default);

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|poison| poison.into_inner())
}

/// Counts one answered request.
pub fn record_request(method: &str, route: &str, status: u16, seconds: f64) {
    let mut registry = registry();
    *registry
        .requests
        .entry((method.to_string(), route.to_string(), status))
        .or_default() += 1;
    let entry = registry.durations.entry(route.to_string()).or_default();
    entry.0 += seconds;
    entry.1 += 1;
}

/// Counts one finished job attempt: `done`, `retry` or `failed`.
pub fn record_job(kind: &str, outcome: &'static str) {
    *registry()
        .jobs
        .entry((kind.to_string(), outcome))
        .or_default() += 1;
}

/// Why a webhook was turned away (the `reason` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WebhookRejection {
    /// No valid signature or secret (401).
    Signature,
    /// Too many refused webhooks from one address (429).
    Throttled,
    /// Not a JSON object, or a JSON string holding a control character (400), whether the
    /// handler or the guard in front of it found it.
    Malformed,
    /// Authentic but its `timestamp` is outside the window or unreadable (400).
    Stale,
    /// Authentic but for another location than `GHL_LOCATION_ID` (403).
    Location,
    /// Refused in front of the handler: a body over the size limit (413).
    TooLarge,
}

impl WebhookRejection {
    const ALL: [WebhookRejection; 6] = [
        WebhookRejection::Signature,
        WebhookRejection::Throttled,
        WebhookRejection::Malformed,
        WebhookRejection::Stale,
        WebhookRejection::Location,
        WebhookRejection::TooLarge,
    ];

    fn as_str(self) -> &'static str {
        match self {
            WebhookRejection::Signature => "signature",
            WebhookRejection::Throttled => "throttled",
            WebhookRejection::Malformed => "malformed",
            WebhookRejection::Stale => "stale",
            WebhookRejection::Location => "location",
            WebhookRejection::TooLarge => "too_large",
        }
    }
}

/// Counts one webhook turned away.
pub fn record_webhook_rejected(reason: WebhookRejection) {
    *registry().webhooks_rejected.entry(reason).or_default() += 1;
}

/// Label values are quoted; quotes, backslashes and newlines escaped as the format requires.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A gauge to append: name, help text, and `(labels, value)` samples.
pub type Gauge<'a> = (&'a str, &'a str, Vec<(String, f64)>);

/// The text exposition, with `extra` gauges (name, help, [(labels, value)]) appended.
pub fn render(extra: &[Gauge<'_>]) -> String {
    let registry = registry();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP ops_build_info The running version and the commit it was built from.\n# TYPE ops_build_info gauge"
    );
    let _ = writeln!(
        out,
        "ops_build_info{{version=\"{}\",commit=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION"),
        env!("OPS_GIT_COMMIT")
    );
    let _ = writeln!(
        out,
        "# HELP ops_http_requests_total Requests answered, by method, route and status.\n# TYPE ops_http_requests_total counter"
    );
    for ((method, route, status), count) in &registry.requests {
        let _ = writeln!(
            out,
            "ops_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {count}",
            label(method),
            label(route)
        );
    }
    let _ = writeln!(
        out,
        "# HELP ops_http_request_duration_seconds Time to answer, by route.\n# TYPE ops_http_request_duration_seconds summary"
    );
    for (route, (sum, count)) in &registry.durations {
        let _ = writeln!(
            out,
            "ops_http_request_duration_seconds_sum{{route=\"{}\"}} {sum:.6}",
            label(route)
        );
        let _ = writeln!(
            out,
            "ops_http_request_duration_seconds_count{{route=\"{}\"}} {count}",
            label(route)
        );
    }
    let _ = writeln!(
        out,
        "# HELP ops_jobs_total Job attempts finished, by kind and outcome.\n# TYPE ops_jobs_total counter"
    );
    for ((kind, outcome), count) in &registry.jobs {
        let _ = writeln!(
            out,
            "ops_jobs_total{{kind=\"{}\",outcome=\"{outcome}\"}} {count}",
            label(kind)
        );
    }
    let _ = writeln!(
        out,
        "# HELP ops_webhooks_rejected_total Webhooks turned away, by reason.\n# TYPE ops_webhooks_rejected_total counter"
    );
    // Every reason is written, zero included, so alerts see the series before the first refusal.
    for reason in WebhookRejection::ALL {
        let count = registry
            .webhooks_rejected
            .get(&reason)
            .copied()
            .unwrap_or(0);
        let _ = writeln!(
            out,
            "ops_webhooks_rejected_total{{reason=\"{}\"}} {count}",
            reason.as_str()
        );
    }
    for (name, help, samples) in extra {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
        for (labels, value) in samples {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_show_up_in_the_exposition() {
        record_request("GET", "/test/\"odd\"", 200, 0.01);
        record_job("test.kind", "done");
        record_webhook_rejected(WebhookRejection::Signature);
        let text = render(&[(
            "ops_test_gauge",
            "A test.",
            vec![("{state=\"X\"}".into(), 2.0)],
        )]);
        assert!(text.contains(
            "ops_http_requests_total{method=\"GET\",route=\"/test/\\\"odd\\\"\",status=\"200\"}"
        ));
        assert!(text.contains("ops_jobs_total{kind=\"test.kind\",outcome=\"done\"}"));
        assert!(text.contains("ops_test_gauge{state=\"X\"} 2"));
        assert!(text.contains("ops_webhooks_rejected_total{reason=\"signature\"}"));
        assert!(
            text.contains("ops_webhooks_rejected_total{reason=\"malformed\"}"),
            "every reason is written, even before its first count"
        );
    }
}
