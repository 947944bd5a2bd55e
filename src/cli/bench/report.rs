//! The benchmark's results: a JSON document (everything, plans included) and a Markdown
//! section for `BENCHMARKS.md` (machine, commit, date, and one table).

use std::{fmt::Write as _, io::Write as _, path::Path};

use super::load::Figures;
use crate::services::bench::{plans::Plan, seed::SeedCounts};

/// One scenario at one concurrency: over HTTP, and its in-process ceiling.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    pub scenario: String,
    pub connections: usize,
    pub http: Figures,
    pub peak_rss_mb: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ceiling: Option<Figures>,
    /// HTTP requests/s over ceiling requests/s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_to_ceiling: Option<f64>,
}

/// A whole run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    pub machine: String,
    pub commit: String,
    pub date: String,
    pub build: &'static str,
    pub backend: String,
    pub items: u64,
    pub seeded: Option<SeedCounts>,
    pub seed_seconds: Option<f64>,
    pub start_to_ready_ms: f64,
    pub idle_rss_mb: f64,
    pub idle_rss_after_mb: f64,
    pub seconds_per_scenario: f64,
    pub rows: Vec<Row>,
    pub plans: Vec<Plan>,
}

/// CPU model, core count and memory, from `/proc` where there is one.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split(':').nth(1))
                .map(|name| name.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("MemTotal:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| format!(", {:.1} GB RAM", kb as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    format!("{cpu}, {cores} cores{memory}")
}

/// The checked-out commit (with `+dirty` when the tree has changes), if git can tell.
pub fn commit() -> String {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    match git(&["rev-parse", "--short", "HEAD"]) {
        Some(hash) => {
            let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty());
            if dirty { format!("{hash}+dirty") } else { hash }
        }
        None => format!("v{}", env!("CARGO_PKG_VERSION")),
    }
}

fn ms(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// The Markdown section of a run.
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### {} · {} items · {}\n\n- machine: {}\n- commit: `{}` ({} build)\n- start to ready: {:.0} ms; RSS idle {:.1} MB at start, {:.1} MB after the run\n- {} s per scenario; ceiling = the same queries run in-process at the same concurrency (list API: its exact SQL)\n",
        report.backend,
        report.items,
        report.date,
        report.machine,
        report.commit,
        report.build,
        report.start_to_ready_ms,
        report.idle_rss_mb,
        report.idle_rss_after_mb,
        report.seconds_per_scenario,
    );
    out.push_str("| scenario | conns | req/s | p50 ms | p95 ms | p99 ms | errors | peak RSS MB | ceiling req/s | app/ceiling |\n");
    out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for row in &report.rows {
        let ceiling = row
            .ceiling
            .as_ref()
            .map_or("–".to_string(), |c| format!("{:.0}", c.per_second));
        let ratio = row
            .app_to_ceiling
            .map_or("–".to_string(), |r| format!("{:.0}%", r * 100.0));
        let _ = writeln!(
            out,
            "| {} | {} | {:.0} | {} | {} | {} | {} | {:.0} | {} | {} |",
            row.scenario,
            row.connections,
            row.http.per_second,
            ms(row.http.p50_ms),
            ms(row.http.p95_ms),
            ms(row.http.p99_ms),
            row.http.errors,
            row.peak_rss_mb,
            ceiling,
            ratio,
        );
    }
    out.push('\n');
    out
}

/// The query plans as text, for the terminal.
pub fn plans_text(plans: &[Plan]) -> String {
    let mut out = String::new();
    for plan in plans {
        let _ = writeln!(out, "-- {}", plan.query);
        for line in &plan.plan {
            let _ = writeln!(out, "   {line}");
        }
    }
    out
}

/// Appends `text` to the file at `path` (created when missing).
pub fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(text.as_bytes())
}
