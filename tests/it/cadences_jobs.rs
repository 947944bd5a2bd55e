//! Generation as a scheduled job and as `ops-desktop cadences run`: the worker schedules each
//! recurring job once however many instances start (and again after a restart without running
//! a slot twice), and killing the command half-way never leaves a duplicate or a partial item.

use std::{process::Stdio, time::Duration};

use ops_desktop::{
    db::{entities::job, time},
    jobs::{self, generate_cadences, schedule},
    services::{
        audit::Actor,
        cadences::{self, CadenceInput},
        templates::{self, TemplateInput, TemplateSubtaskInput},
    },
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::{
    cadences_helpers::{assert_whole_and_unique, create_cadence, create_template, items_of},
    on_both_backends,
    support::{Backend, TestApp, TestDatabase, TestOptions, personas, process, wait_until},
};

async fn jobs_of(app: &TestApp, kind: &str, state: &str) -> Vec<job::Model> {
    job::Entity::find()
        .filter(job::Column::Kind.eq(kind))
        .filter(job::Column::State.eq(state))
        .all(app.db().conn())
        .await
        .unwrap()
}

/// Waits until each recurring kind has exactly one queued run, for a later slot.
async fn one_queued_run_of_each_kind(app: &TestApp) {
    for kind in schedule::STANDARD {
        wait_until(20, kind.spec.kind, || async {
            let queued = jobs_of(app, kind.spec.kind, "QUEUED").await;
            queued.len() == 1 && queued[0].run_at > time::now()
        })
        .await;
    }
}

async fn the_scheduled_job_runs_once_per_slot_across_restarts_and_instances(backend: Backend) {
    let first = TestApp::spawn(backend).await;
    // At start the worker queued the current slot, ran it, and queued the next.
    wait_until(20, "the first run at start", || async {
        !jobs_of(&first, generate_cadences::RECURRING.spec.kind, "DONE")
            .await
            .is_empty()
    })
    .await;
    one_queued_run_of_each_kind(&first).await;

    let admin = personas::admin(&first).await;
    let template = create_template(&first, &admin).await;
    create_cadence(
        &first,
        &admin,
        json!({
            "name": "Nightly", "slug": "nightly", "templateId": template,
            "rrule": "FREQ=DAILY", "dueTime": "23:59", "leadDays": 2,
        }),
    )
    .await;
    // A run through the queue, as the schedule would make.
    let run = |app: &TestApp| {
        let db = app.db().clone();
        async move {
            jobs::enqueue(
                db.conn(),
                generate_cadences::RECURRING.spec,
                json!({}),
                None,
            )
            .await
            .unwrap()
        }
    };
    let id = run(&first).await;
    let done = |app: &TestApp, id: ops_desktop::domain::ids::JobId| {
        let db = app.db().clone();
        async move {
            job::Entity::find_by_id(id.0)
                .one(db.conn())
                .await
                .unwrap()
                .is_some_and(|j| j.state == "DONE")
        }
    };
    wait_until(20, "the generation job", || done(&first, id)).await;
    let created = items_of(&first, "nightly").await;
    assert!(
        created.len() >= 2,
        "today (unless past 23:59) and the next two days"
    );
    let database = first.database.clone();
    first.stop().await;

    // A restart inside the same slot does not run it again, and keeps one schedule; neither
    // does a second instance starting beside it.
    let restarted = TestApp::spawn_on(database, TestOptions::default()).await;
    let beside = TestApp::spawn_on(restarted.database.clone(), TestOptions::default()).await;
    one_queued_run_of_each_kind(&restarted).await;
    let now_slot = generate_cadences::RECURRING.slot_of(time::now());
    let scheduled_again = generate_cadences::RECURRING
        .schedule(beside.db().conn(), now_slot)
        .await
        .unwrap();
    assert!(!scheduled_again, "a slot is scheduled once, whoever asks");
    let id = run(&beside).await;
    wait_until(20, "the generation job after the restart", || {
        done(&beside, id)
    })
    .await;
    let after = items_of(&restarted, "nightly").await;
    assert_eq!(after.len(), created.len(), "nothing created twice");
    assert_whole_and_unique(&restarted, &after).await;
    beside.stop().await;
    restarted.stop().await;
}

async fn killing_cadences_run_half_way_never_duplicates(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let db = database.connect().await;
    db.migrate().await.unwrap();
    let template = templates::create(
        &db,
        &Actor::system(),
        TemplateInput {
            name: Some("Daily note".into()),
            item_type: Some("TASK".into()),
            subtasks: Some(vec![
                TemplateSubtaskInput {
                    title: "Write".into(),
                    due_offset_days: -1,
                },
                TemplateSubtaskInput {
                    title: "Post".into(),
                    due_offset_days: 0,
                },
            ]),
            ..TemplateInput::default()
        },
    )
    .await
    .unwrap();
    cadences::create(
        &db,
        &Actor::system(),
        chrono_tz::UTC,
        CadenceInput {
            name: Some("Year of notes".into()),
            slug: Some("notes".into()),
            template_id: Some(template.id.to_string()),
            rrule: Some("FREQ=DAILY".into()),
            due_time: Some("23:59".into()),
            lead_days: Some(366),
            ..CadenceInput::default()
        },
    )
    .await
    .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("DATABASE_URL", database.url.as_str()),
        ("LOG_LEVEL", "warn"),
    ];
    let mut child = process::command(dir.path(), &env)
        .args(["cadences", "run"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let count = || async {
        ops_desktop::db::entities::work_item::Entity::find()
            .count(db.conn())
            .await
            .unwrap()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while count().await < 10 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    process::signal(&child, "KILL");
    child.wait().unwrap();
    let at_kill = count().await;
    assert!(
        at_kill < 360,
        "the command was killed half-way ({at_kill} items)"
    );

    let finished = process::run(dir.path(), &env, &["cadences", "run"], "");
    let stdout = String::from_utf8_lossy(&finished.stdout).to_string();
    assert!(
        finished.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&finished.stderr)
    );
    assert!(stdout.contains("Checked 1 active cadence(s)"), "{stdout}");
    let total = count().await;
    assert!(total >= 366, "every day of the window: {total}");
    let rerun = process::run(dir.path(), &env, &["cadences", "run"], "");
    assert!(String::from_utf8_lossy(&rerun.stdout).contains("created 0 item(s)"));
    assert_eq!(count().await, total);
    // Every item is whole: each has both of its template's subtasks.
    let steps = ops_desktop::db::entities::subtask::Entity::find()
        .count(db.conn())
        .await
        .unwrap();
    assert_eq!(steps, total * 2);
    db.close().await.unwrap();
}

on_both_backends!(
    the_scheduled_job_runs_once_per_slot_across_restarts_and_instances,
    killing_cadences_run_half_way_never_duplicates,
);
