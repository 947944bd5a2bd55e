//! `GET /metrics`: Prometheus text format, public unless `METRICS_TOKEN` is set, in which
//! case it needs `Authorization: Bearer <METRICS_TOKEN>`.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use secrecy::ExposeSecret;

use crate::{app::App, auth::tokens, db::time, jobs, services::jobs_overview, telemetry::metrics};

/// The metrics of this instance plus readiness, the queue depth, the oldest due job and the
/// last backup from the database.
pub async fn get_metrics(State(app): State<App>, headers: HeaderMap) -> Response {
    if let Some(expected) = &app.settings.metrics_token {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !tokens::constant_time_eq(presented, expected.expose_secret()) {
            return (StatusCode::UNAUTHORIZED, "metrics need the bearer token\n").into_response();
        }
    }
    let queue = match jobs_overview::count_by_state(&app.db).await {
        Ok(counts) => counts
            .into_iter()
            .map(|(state, n)| (format!("{{state=\"{state}\"}}"), n as f64))
            .collect(),
        Err(error) => {
            tracing::warn!(%error, "metrics could not read the job queue");
            Vec::new()
        }
    };
    let last_backup = match jobs_overview::last_done(&app.db, jobs::backup::SPEC.kind).await {
        Ok(last) => last
            .map(|at| vec![(String::new(), at.timestamp() as f64)])
            .unwrap_or_default(),
        Err(error) => {
            tracing::warn!(%error, "metrics could not read the last backup");
            Vec::new()
        }
    };
    let now = time::now();
    let oldest_wait = match jobs_overview::oldest_due(&app.db, now).await {
        Ok(due) => {
            let waited_ms = due.map_or(0, |due| (now - due).num_milliseconds().max(0));
            vec![(String::new(), waited_ms as f64 / 1000.0)]
        }
        Err(error) => {
            tracing::warn!(%error, "metrics could not read the oldest due job");
            Vec::new()
        }
    };
    // The same question as GET /readyz, so an alert can read readiness from the scrape alone.
    let ready = matches!(
        tokio::time::timeout(super::health::READY_TIMEOUT, app.db.check_ready()).await,
        Ok(Ok(()))
    );
    let body = metrics::render(&[
        (
            "ops_jobs_in_queue",
            "Jobs in the database queue, by state.",
            queue,
        ),
        (
            "ops_backup_last_success_timestamp_seconds",
            "When the last scheduled backup finished (Unix time); absent until one has.",
            last_backup,
        ),
        (
            "ops_jobs_oldest_due_age_seconds",
            "How long the longest-waiting due job has waited to start (0 when none waits).",
            oldest_wait,
        ),
        (
            "ops_ready",
            "1 while the database answers and every migration is applied (as GET /readyz), else 0.",
            vec![(String::new(), if ready { 1.0 } else { 0.0 })],
        ),
        (
            "ops_live_listener_connected",
            "PostgreSQL only: 1 while this instance hears change notifications for live updates, 0 while its streams poll.",
            live_listener(&app),
        ),
    ]);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// Absent on SQLite, which has no listener (its streams always poll).
fn live_listener(app: &App) -> Vec<(String, f64)> {
    if app.settings.database_url.is_sqlite() {
        return Vec::new();
    }
    let connected = if app.live.is_listening() { 1.0 } else { 0.0 };
    vec![(String::new(), connected)]
}
