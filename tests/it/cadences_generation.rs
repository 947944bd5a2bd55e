//! Cadence generation: every occurrence within the lead window is created once from the
//! template with `cadenceKey = <slug>:<local date>` — across reruns, a failure half-way, two
//! instances generating together and edits — and due times keep their local hour across DST.

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::{America::New_York, Tz};
use ops_desktop::{jobs::JobRegistry, services::cadences};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, DbBackend};
use serde_json::json;

use crate::{
    cadences_helpers::{assert_whole_and_unique, create_cadence, create_template, items_of, spawn},
    on_both_backends,
    support::{Backend, TestApp, TestOptions, personas, work::call},
};

fn ny(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    New_York
        .with_ymd_and_hms(y, m, d, h, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn keys_and_due(items: &[ops_desktop::db::entities::work_item::Model]) -> Vec<String> {
    items
        .iter()
        .map(|i| {
            format!(
                "{} {}",
                i.cadence_key.as_deref().unwrap(),
                i.due_at.unwrap().format("%H:%M")
            )
        })
        .collect()
}

async fn each_occurrence_is_created_once_and_keeps_its_local_hour_across_dst(backend: Backend) {
    let app = spawn(backend, "America/New_York", JobRegistry::default()).await;
    let tz: Tz = New_York;
    let admin = personas::admin(&app).await;
    let staff = personas::staff(&app).await;
    let template = create_template(&app, &admin).await;
    create_cadence(&app, &admin, json!({
        "name": "Daily check", "slug": "daily", "templateId": template, "ownerId": staff.user.id.to_string(),
        "rrule": "DTSTART:20260301\nRRULE:FREQ=DAILY", "dueTime": "10:00", "leadDays": 3,
    })).await;
    create_cadence(
        &app,
        &admin,
        json!({
            "name": "Autumn", "slug": "autumn", "templateId": template,
            "rrule": "DTSTART:20261001\nRRULE:FREQ=DAILY", "dueTime": "10:00", "leadDays": 2,
        }),
    )
    .await;

    // 07:00 on 2026-03-06: today to three days ahead, spanning the spring change on the 8th.
    let report = cadences::generate(app.db(), tz, ny(2026, 3, 6, 7))
        .await
        .unwrap();
    assert_eq!(
        (report.created, report.existing, report.failures.len()),
        (4, 0, 0),
        "{report:?}"
    );
    let items = items_of(&app, "daily").await;
    assert_eq!(
        keys_and_due(&items),
        [
            "daily:2026-03-06 15:00",
            "daily:2026-03-07 15:00",
            "daily:2026-03-08 14:00",
            "daily:2026-03-09 14:00",
        ]
    );
    for item in &items {
        assert_eq!(
            item.due_at
                .unwrap()
                .with_timezone(&tz)
                .format("%H:%M")
                .to_string(),
            "10:00"
        );
        assert_eq!(item.owner_id, Some(staff.user.id));
        assert_eq!(
            item.template_id.map(|t| t.to_string()),
            Some(template.clone())
        );
        assert_eq!(
            item.deliverable_type.map(|d| d.as_str()),
            Some("NEWSLETTER"),
            "copied from the template"
        );
    }
    assert_eq!(items[0].title, "Daily check — 2026-03-06");
    assert_whole_and_unique(&app, &items).await;

    // Rerunning creates nothing; a later run adds only what newly entered the window.
    let again = cadences::generate(app.db(), tz, ny(2026, 3, 6, 8))
        .await
        .unwrap();
    assert_eq!((again.created, again.existing), (0, 4));
    let later = cadences::generate(app.db(), tz, ny(2026, 3, 7, 11))
        .await
        .unwrap();
    assert_eq!(
        (later.created, later.existing),
        (1, 2),
        "the 7th's 10:00 has passed: 8th to 10th"
    );
    assert_eq!(items_of(&app, "daily").await.len(), 5);

    // Autumn: 10:00 is 14:00 UTC before 2026-11-01 and 15:00 UTC from then on.
    cadences::generate(app.db(), tz, ny(2026, 10, 31, 7))
        .await
        .unwrap();
    assert_eq!(
        keys_and_due(&items_of(&app, "autumn").await),
        [
            "autumn:2026-10-31 14:00",
            "autumn:2026-11-01 15:00",
            "autumn:2026-11-02 15:00",
        ]
    );
}

async fn editing_a_cadence_changes_only_occurrences_not_yet_created(backend: Backend) {
    let app = spawn(backend, "America/New_York", JobRegistry::default()).await;
    let admin = personas::admin(&app).await;
    let staff = personas::staff(&app).await;
    let template = create_template(&app, &admin).await;
    let cadence = create_cadence(
        &app,
        &admin,
        json!({
            "name": "Standup notes", "slug": "standup", "templateId": template,
            "rrule": "DTSTART:20260301\nRRULE:FREQ=DAILY", "dueTime": "10:00", "leadDays": 1,
        }),
    )
    .await;
    let now = ny(2026, 3, 10, 7);
    cadences::generate(app.db(), New_York, now).await.unwrap();
    let before = items_of(&app, "standup").await;
    assert_eq!(before.len(), 2);

    let path = format!("/api/cadences/{}", cadence["id"].as_str().unwrap());
    let (status, body) = call(&app, &admin, Method::PATCH, &path, Some(json!({
        "name": "Standup", "dueTime": "16:30", "leadDays": 3, "ownerId": staff.user.id.to_string(),
    }))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let report = cadences::generate(app.db(), New_York, now).await.unwrap();
    assert_eq!((report.created, report.existing), (2, 2));
    let after = items_of(&app, "standup").await;
    assert_eq!(
        &after[..2],
        &before[..],
        "items already created are untouched"
    );
    for item in &after[2..] {
        assert_eq!(
            item.due_at
                .unwrap()
                .with_timezone(&New_York)
                .format("%H:%M")
                .to_string(),
            "16:30"
        );
        assert_eq!(item.owner_id, Some(staff.user.id));
        assert!(item.title.starts_with("Standup — "));
    }
    // A paused cadence creates nothing.
    call(
        &app,
        &admin,
        Method::PATCH,
        &path,
        Some(json!({"active": false, "leadDays": 10})),
    )
    .await;
    let paused = cadences::generate(app.db(), New_York, now).await.unwrap();
    assert_eq!((paused.cadences, paused.created), (0, 0));
}

/// Makes inserting the item of `key` fail, as a crash at that point would.
async fn break_insert_of(app: &TestApp, key: &str) {
    let conn = app.db().conn();
    let statements = match app.db().backend() {
        DbBackend::Postgres => vec![
            format!("CREATE FUNCTION crash_here() RETURNS trigger AS $$ BEGIN \
                     IF NEW.cadence_key = '{key}' THEN RAISE EXCEPTION 'simulated crash'; END IF; \
                     RETURN NEW; END $$ LANGUAGE plpgsql"),
            "CREATE TRIGGER crash_here BEFORE INSERT ON work_items FOR EACH ROW EXECUTE FUNCTION crash_here()".into(),
        ],
        _ => vec![format!("CREATE TRIGGER crash_here BEFORE INSERT ON work_items \
                           WHEN NEW.cadence_key = '{key}' BEGIN SELECT RAISE(ABORT, 'simulated crash'); END")],
    };
    for statement in statements {
        conn.execute_unprepared(&statement).await.unwrap();
    }
}

async fn a_failure_half_way_leaves_whole_items_and_the_next_run_completes_them(backend: Backend) {
    let app = spawn(backend, "UTC", JobRegistry::default()).await;
    let admin = personas::admin(&app).await;
    let template = create_template(&app, &admin).await;
    create_cadence(
        &app,
        &admin,
        json!({
            "name": "Crash test", "slug": "crash", "templateId": template,
            "rrule": "DTSTART:20260301\nRRULE:FREQ=DAILY", "dueTime": "12:00", "leadDays": 6,
        }),
    )
    .await;
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
    break_insert_of(&app, "crash:2026-03-05").await;
    let broken = cadences::generate(app.db(), chrono_tz::UTC, now)
        .await
        .unwrap();
    assert_eq!(broken.created, 3, "{broken:?}");
    assert_eq!(broken.failures.len(), 1, "{broken:?}");
    let half = items_of(&app, "crash").await;
    assert_eq!(half.len(), 3);
    assert_whole_and_unique(&app, &half).await;

    let drop = match app.db().backend() {
        DbBackend::Postgres => "DROP TRIGGER crash_here ON work_items",
        _ => "DROP TRIGGER crash_here",
    };
    app.db().conn().execute_unprepared(drop).await.unwrap();
    let resumed = cadences::generate(app.db(), chrono_tz::UTC, now)
        .await
        .unwrap();
    assert_eq!(
        (resumed.created, resumed.existing, resumed.failures.len()),
        (4, 3, 0)
    );
    let all = items_of(&app, "crash").await;
    assert_eq!(all.len(), 7, "2026-03-02 to 2026-03-08");
    assert_whole_and_unique(&app, &all).await;
}

async fn two_instances_generating_together_never_duplicate(backend: Backend) {
    let first = spawn(backend, "UTC", JobRegistry::default()).await;
    let second = TestApp::spawn_on(
        first.database.clone(),
        TestOptions {
            registry: JobRegistry::default(),
            ..TestOptions::default()
        },
    )
    .await;
    let admin = personas::admin(&first).await;
    let template = create_template(&first, &admin).await;
    for slug in ["race-a", "race-b"] {
        create_cadence(
            &first,
            &admin,
            json!({
                "name": slug, "slug": slug, "templateId": template,
                "rrule": "DTSTART:20260301\nRRULE:FREQ=DAILY", "dueTime": "12:00", "leadDays": 20,
            }),
        )
        .await;
    }
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
    let runs = (0..3)
        .flat_map(|_| [first.db().clone(), second.db().clone()])
        .map(|db| {
            tokio::spawn(async move { cadences::generate(&db, chrono_tz::UTC, now).await.unwrap() })
        });
    let reports: Vec<_> = futures_util::future::join_all(runs)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert!(reports.iter().all(|r| r.failures.is_empty()), "{reports:?}");
    assert_eq!(
        reports.iter().map(|r| r.created).sum::<usize>(),
        42,
        "21 days x 2 cadences, once each"
    );
    for slug in ["race-a", "race-b"] {
        let items = items_of(&first, slug).await;
        assert_eq!(items.len(), 21);
        assert_whole_and_unique(&first, &items).await;
    }
    second.stop().await;
    first.stop().await;
}

on_both_backends!(
    each_occurrence_is_created_once_and_keeps_its_local_hour_across_dst,
    editing_a_cadence_changes_only_occurrences_not_yet_created,
    a_failure_half_way_leaves_whole_items_and_the_next_run_completes_them,
    two_instances_generating_together_never_duplicate,
);
