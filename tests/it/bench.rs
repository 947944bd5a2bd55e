//! `ops-desktop bench` at its smallest (500 items, a fraction of a second per scenario) on both
//! backends, so the benchmark keeps working as the application changes: every scenario must
//! answer without an error, and the results must carry figures, memory and query plans.

use std::process::Stdio;

use serde_json::Value;

use ops_desktop::{
    db::{entities::notification, time},
    services::{
        bench::seed::{SeedPeople, seed},
        email_notifications::overdue,
    },
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::{
    on_both_backends,
    support::{Backend, TestApp, database::postgres_available, personas, process},
};

fn run_bench(backend: &str, extra: &[(&str, &str)]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let dir_arg = dir.path().display().to_string();
    let mut args = vec![
        "bench",
        "--backend",
        backend,
        "--items",
        "500",
        "--seconds",
        "0.2",
        "--connections",
        "2",
        "--dir",
        &dir_arg,
        "--fail-on-errors",
    ];
    for (name, value) in extra {
        args.push(name);
        args.push(value);
    }
    let output = process::command(dir.path(), &[("OPS_TIMEZONE", "Europe/London")])
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "bench failed on {backend}: {stderr}"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("| scenario | conns | req/s"),
        "no table printed: {stdout}"
    );
    let json = std::fs::read(dir.path().join(format!("bench-{backend}-500.json"))).unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".db"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "the benchmark database was left behind: {leftovers:?}"
    );
    serde_json::from_slice(&json).unwrap()
}

fn check(report: &Value) {
    assert_eq!(report["items"], 500);
    assert_eq!(report["seeded"]["items"], 500);
    assert!(report["seeded"]["subtasks"].as_u64().unwrap() > 0);
    assert!(report["startToReadyMs"].is_null(), "fields are snake_case");
    assert!(report["start_to_ready_ms"].as_f64().unwrap() > 0.0);
    assert!(report["idle_rss_mb"].as_f64().unwrap() > 1.0);
    let rows = report["rows"].as_array().unwrap();
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["scenario"].as_str().unwrap())
        .collect();
    for expected in [
        "board",
        "work_list_page",
        "item_page",
        "list_api",
        "list_api_filtered",
        "list_api_sorted",
        "list_api_search",
        "inbox",
        "calendar",
        "stats",
        "drag",
        "create_item",
        "webhook_intake",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} was not measured: {names:?}"
        );
    }
    for row in rows {
        assert!(row["http"]["requests"].as_u64().unwrap() > 0, "{row}");
        assert_eq!(row["http"]["errors"], 0, "{row}");
        assert!(row["http"]["p50_ms"].as_f64().unwrap() > 0.0, "{row}");
        assert!(row["peak_rss_mb"].as_f64().unwrap() > 1.0, "{row}");
        assert!(row["ceiling"]["requests"].as_u64().unwrap() > 0, "{row}");
        assert_eq!(row["ceiling"]["errors"], 0, "{row}");
    }
    let plans = report["plans"].as_array().unwrap();
    assert!(plans.len() >= 6);
    assert!(
        plans
            .iter()
            .all(|p| !p["plan"].as_array().unwrap().is_empty())
    );
}

#[tokio::test]
async fn a_tiny_benchmark_runs_every_scenario_without_errors_on_sqlite() {
    let report = tokio::task::spawn_blocking(|| run_bench("sqlite", &[]))
        .await
        .unwrap();
    check(&report);
    assert_eq!(report["backend"], "SQLite");
    // SQLite plans without statistics, so its plans at 500 items are those at 100,000.
    let plan_of = |label: &str| -> Vec<String> {
        report["plans"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["query"].as_str().unwrap().starts_with(label))
            .unwrap_or_else(|| panic!("no plan for {label}"))["plan"]
            .as_array()
            .unwrap()
            .iter()
            .map(|line| line.as_str().unwrap().to_string())
            .collect()
    };
    // A page's ids are picked in a subquery from item columns alone, and only they are read in
    // full: the steps that gather tags and checklists never sit under a sort of every match.
    for label in [
        "list_api (",
        "list_api_filtered",
        "list_api_sorted",
        "list_api_search",
    ] {
        let plan = plan_of(label);
        assert!(
            plan[0]
                .starts_with("SEARCH work_items USING INDEX sqlite_autoindex_work_items_1 (id=?)"),
            "{label}: the full rows are read by id: {plan:#?}"
        );
        assert!(
            plan.iter().any(|line| line.starts_with("LIST SUBQUERY")),
            "{label}: {plan:#?}"
        );
    }
    // The work list's first page, and a search for a word most items contain, walk the order's
    // index instead of sorting every item (or every match).
    for label in ["list_api (", "list_api_search"] {
        let plan = plan_of(label);
        assert!(
            plan.iter().any(|line| line.trim()
                == "SCAN work_items USING COVERING INDEX idx_work_items_due_order"),
            "{label}: {plan:#?}"
        );
        assert!(
            !plan
                .iter()
                .any(|line| line.starts_with("  ") && line.contains("TEMP B-TREE")),
            "{label}: only the page itself is sorted: {plan:#?}"
        );
    }
    // The calendar's two weeks are one walk of the placement index, in the calendar's order,
    // without reading an item's row.
    let plan = plan_of("calendar (14 days)");
    assert_eq!(
        plan.iter().map(|line| line.trim()).collect::<Vec<_>>(),
        ["SEARCH work_items USING COVERING INDEX idx_work_items_placed_at (<expr>>? AND <expr><?)"],
        "{plan:#?}"
    );
    // The sidebar's count on every page reads one index, not every item that ever waited.
    let plan = plan_of("sidebar: open items waiting on me");
    assert!(
        plan.iter().any(|line| line
            .contains("COVERING INDEX idx_work_items_status_waiting_on_user_id_waiting_since")),
        "{plan:#?}"
    );
    // A tag filter probes the tags of the items the other filters leave.
    let plan = plan_of("list_api_filtered");
    assert!(
        plan.iter()
            .any(|line| line.contains("EXISTS USING COVERING INDEX sqlite_autoindex_work_item_tags_1 (work_item_id=? AND tag=?)")),
        "{plan:#?}"
    );
}

#[tokio::test]
async fn a_tiny_benchmark_runs_every_scenario_without_errors_on_postgres() {
    if !postgres_available() {
        return;
    }
    let url = std::env::var("OPS_TEST_POSTGRES_URL").unwrap();
    let report =
        tokio::task::spawn_blocking(move || run_bench("postgres", &[("--postgres-url", &url)]))
            .await
            .unwrap();
    check(&report);
    assert_eq!(report["backend"], "PostgreSQL");
}

/// Seeded history is history a running server already saw: its overdue work was announced,
/// so the measured server's first overdue sweep has nothing to mail in the middle of a run.
async fn seeded_overdue_work_is_already_announced(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let me = personas::create_user(&app, "me@bench.example", "Bench Me", "ADMIN").await;
    let staff = personas::create_user(&app, "s@bench.example", "Bench Staff", "STAFF").await;
    let people = SeedPeople {
        me: me.id,
        staff: vec![staff.id],
    };
    seed(app.db(), &people, 500, |_| {}).await.unwrap();
    let announced = notification::Entity::find()
        .filter(notification::Column::Kind.eq("OVERDUE"))
        .filter(notification::Column::EmailedAt.is_not_null())
        .count(app.db().conn())
        .await
        .unwrap();
    assert!(announced > 0, "500 items hold some open overdue work");
    let swept = overdue::flag_overdue(app.db(), chrono_tz::UTC, time::now())
        .await
        .unwrap();
    assert_eq!(swept, 0, "nothing left to announce");
    app.stop().await;
}

on_both_backends!(seeded_overdue_work_is_already_announced);
