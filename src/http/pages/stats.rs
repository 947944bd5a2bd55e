//! The stats page (`/stats`, docs/PRODUCT.md §8): the counts, and three charts drawn as inline SVG
//! by [`super::charts`] — completed per week (12 weeks), open by status and workload by
//! owner — each with its values as text for people who cannot see the chart.

use askama::Template;
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
};
use chrono::DateTime;

use super::{
    Chrome,
    charts::{self, BarChart},
    error_page,
    item_rows::{code_label, duration_words, local_time},
    render,
};
use crate::{
    app::App,
    db::time,
    domain::work_item::Status,
    http::extract::CurrentUser,
    services::{
        ServiceError,
        stats::{self, Stats},
    },
};

/// A chart with its heading and the values behind it (shown as a table on request).
struct Figure {
    id: &'static str,
    title: &'static str,
    note: &'static str,
    /// The heading of the table's first column.
    category: &'static str,
    chart: BarChart,
    points: Vec<(String, i64)>,
    empty_text: &'static str,
}

#[derive(Template)]
#[template(path = "stats.html")]
struct StatsPage<'a> {
    chrome: &'a Chrome,
    open: i64,
    overdue: i64,
    due_next_7_days: i64,
    waiting: i64,
    oldest_wait: Option<String>,
    awaiting_proofing: i64,
    median_cycle_time: Option<String>,
    figures: Vec<Figure>,
    by_type: Vec<(String, i64)>,
}

/// Hours as people say them: `5.5 hours`, `3.2 days`.
fn cycle_time_words(hours: f64) -> String {
    if hours < 48.0 {
        format!("{:.1} hours", hours)
    } else {
        format!("{:.1} days", hours / 24.0)
    }
}

fn figures(numbers: &Stats) -> Vec<Figure> {
    let weeks: Vec<(String, i64)> = numbers
        .completed_per_week
        .iter()
        .map(|week| (week.week_start.format("%-d %b").to_string(), week.count))
        .collect();
    // Board order, not alphabetical: people read statuses in the order work flows.
    let statuses: Vec<(String, i64)> = Status::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| {
            let count = numbers.open_by_status.get(s.as_str()).copied().unwrap_or(0);
            (code_label(s.as_str()), count)
        })
        .collect();
    let owners: Vec<(String, i64)> = numbers
        .open_by_owner
        .iter()
        .map(|o| (o.name.clone().unwrap_or_else(|| "No owner".into()), o.count))
        .collect();
    vec![
        Figure {
            id: "completed-per-week",
            title: "Completed per week",
            note: "The last 12 weeks, by the Monday each week starts on; this week last.",
            category: "Week of",
            chart: charts::columns("Items completed per week", &weeks),
            points: weeks,
            empty_text: "Nothing was completed in the last 12 weeks.",
        },
        Figure {
            id: "open-by-status",
            title: "Open by status",
            note: "Every open item, by where it stands.",
            category: "Status",
            chart: charts::rows("Open items by status", &statuses),
            points: statuses,
            empty_text: "There are no open items.",
        },
        Figure {
            id: "workload-by-owner",
            title: "Workload by owner",
            note: "Open items per person, most first.",
            category: "Owner",
            chart: charts::rows("Open items per owner", &owners),
            points: owners,
            empty_text: "There are no open items.",
        },
    ]
}

async fn stats_page(
    app: &App,
    chrome: &Chrome,
    tz: chrono_tz::Tz,
) -> Result<Response, ServiceError> {
    let now = time::now();
    let numbers = stats::stats(&app.db, tz, now).await?;
    let since = |at: DateTime<chrono::Utc>| {
        format!(
            "{} ({})",
            duration_words((now - at).num_seconds()),
            local_time(at, tz)
        )
    };
    let page = StatsPage {
        chrome,
        open: numbers.open_by_status.values().sum(),
        overdue: numbers.overdue,
        due_next_7_days: numbers.due_next7_days,
        waiting: numbers.waiting.count,
        oldest_wait: numbers.waiting.oldest_since.map(since),
        awaiting_proofing: numbers.awaiting_proofing,
        median_cycle_time: numbers.median_cycle_time_hours.map(cycle_time_words),
        figures: figures(&numbers),
        by_type: numbers
            .open_by_type
            .iter()
            .map(|(code, count)| (code_label(code), *count))
            .collect(),
    };
    Ok(render(&app.settings, chrome, StatusCode::OK, &page))
}

/// `GET /stats`
pub async fn get_stats(State(app): State<App>, user: CurrentUser, headers: HeaderMap) -> Response {
    let chrome = Chrome::load(&app, &user, &headers, "stats").await;
    stats_page(&app, &chrome, super::zone(&app, &user))
        .await
        .unwrap_or_else(|error| error_page(&app.settings, &chrome, error.into()))
}

#[cfg(test)]
mod tests {
    use super::cycle_time_words;

    #[test]
    fn cycle_times_read_in_hours_then_days() {
        assert_eq!(cycle_time_words(5.5), "5.5 hours");
        assert_eq!(cycle_time_words(72.0), "3.0 days");
    }
}
