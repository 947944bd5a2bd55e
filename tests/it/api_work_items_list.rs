//! Listing: every filter, sorting, keyset pages, full-text search and the CSV export.

use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::MigratorTrait;
use serde_json::json;

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, personas,
        work::{call, create_item, list, titles},
    },
};

async fn filters_narrow_the_list(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::admin(&app).await;
    let staff = personas::staff(&app).await;
    let me = staff.user.id.to_string();
    create_item(&app, &staff, json!({"title": "Alpha newsletter", "deliverableType": "NEWSLETTER", "tags": ["spring", "email"], "ownerId": me, "dueAt": "2027-03-02T17:00:00Z", "client": "Acme Co."})).await;
    create_item(&app, &staff, json!({"title": "Beta article", "deliverableType": "ARTICLE", "tags": ["spring"], "status": "IN_REVIEW", "needsProofing": true, "dueAt": "2027-03-05T17:00:00Z"})).await;
    create_item(&app, &staff, json!({"title": "Gamma event", "type": "EVENT", "startAt": "2027-03-03T14:00:00Z", "waitingOnUserId": admin.user.id.to_string(), "waitingReason": "Venue", "client": "Harbor Dental"})).await;
    create_item(
        &app,
        &staff,
        json!({"title": "Delta overdue", "dueAt": "2020-01-01T00:00:00Z", "ownerId": me}),
    )
    .await;

    let expect = |query: &'static str, wanted: &'static [&'static str]| {
        let (app, staff) = (&app, &staff);
        async move {
            let (status, body) = list(app, staff, query).await;
            assert_eq!(status, StatusCode::OK, "{query}: {body}");
            let mut got = titles(&body);
            got.sort();
            assert_eq!(got, wanted, "{query}");
        }
    };
    expect("status=IN_REVIEW", &["Beta article"]).await;
    expect(
        "status=BACKLOG,IN_REVIEW&type=TASK",
        &["Alpha newsletter", "Beta article", "Delta overdue"],
    )
    .await;
    expect(
        "status=IN_REVIEW&status=BACKLOG&type=EVENT",
        &["Gamma event"],
    )
    .await;
    expect("type=EVENT", &["Gamma event"]).await;
    expect("owner=me", &["Alpha newsletter", "Delta overdue"]).await;
    expect("owner=none", &["Beta article", "Gamma event"]).await;
    // Tags: stored and queryable; several tags mean all of them.
    expect("tag=spring", &["Alpha newsletter", "Beta article"]).await;
    expect("tag=spring&tag=email", &["Alpha newsletter"]).await;
    // The editorial spine: deliverable type is queryable.
    expect("deliverableType=ARTICLE", &["Beta article"]).await;
    expect("client=acme%20co.", &["Alpha newsletter"]).await;
    expect("dueFrom=2027-03-01&dueTo=2027-03-04", &["Alpha newsletter"]).await;
    expect(
        "dueFrom=2027-03-02T17:00:00Z&dueTo=2027-03-06T00:00:00Z",
        &["Alpha newsletter", "Beta article"],
    )
    .await;
    expect("overdue=true", &["Delta overdue"]).await;
    expect("waiting=true", &["Gamma event"]).await;
    expect("needsProofing=true", &["Beta article"]).await;
    expect("q=newsletter", &["Alpha newsletter"]).await;
    expect("q=news", &["Alpha newsletter"]).await;
    expect("q=harbor", &["Gamma event"]).await;
    expect("q=ALPHA%20news", &["Alpha newsletter"]).await;
    expect("q=alpha%20beta", &[]).await;

    for (query, parameter) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("status=DOING", "status"),
        ("sort=title", "sort"),
        ("owner=someone", "owner"),
        ("colour=red", "colour"),
        ("cursor=zz", "cursor"),
        ("overdue=maybe", "overdue"),
        ("dueFrom=tomorrow", "dueFrom"),
    ] {
        let (status, body) = list(&app, &staff, query).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert!(body["details"][parameter].is_array(), "{query}: {body}");
    }
    app.stop().await;
}

async fn search_follows_edits_and_deletes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::admin(&app).await;
    let item = create_item(
        &app,
        &admin,
        json!({"title": "Quarterly report", "description": "Numbers for the board"}),
    )
    .await;
    assert_eq!(
        titles(&list(&app, &admin, "q=board").await.1),
        ["Quarterly report"]
    );
    let path = format!("/api/work-items/{}", item["id"].as_str().unwrap());
    call(
        &app,
        &admin,
        Method::PATCH,
        &path,
        Some(json!({"description": "Figures for investors"})),
    )
    .await;
    assert!(titles(&list(&app, &admin, "q=board").await.1).is_empty());
    assert_eq!(
        titles(&list(&app, &admin, "q=investors").await.1),
        ["Quarterly report"]
    );
    call(&app, &admin, Method::DELETE, &path, None).await;
    assert!(titles(&list(&app, &admin, "q=investors").await.1).is_empty());
    app.stop().await;
}

/// SQLite's full-text rows are keyed by the item's number, so a match is read from the index
/// alone; rolling the migration back and forward again refills the table from the items.
async fn search_is_keyed_by_item_number(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::admin(&app).await;
    create_item(&app, &admin, json!({"title": "Alpha interview"})).await;
    create_item(
        &app,
        &admin,
        json!({"title": "Beta", "client": "Interviewing Ltd"}),
    )
    .await;
    let both = ["Alpha interview", "Beta"];
    assert_eq!(titles(&list(&app, &admin, "q=interview").await.1), both);
    let db = app.db();
    if db.backend() == DbBackend::Sqlite {
        let unkeyed = db
            .conn()
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT (SELECT count(*) FROM pragma_table_info('work_items_fts') WHERE name = 'id') AS id_columns, \
                 (SELECT count(*) FROM work_items w LEFT JOIN work_items_fts f ON f.rowid = w.number \
                  WHERE f.rowid IS NULL) AS unmatched",
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(unkeyed.try_get::<i64>("", "id_columns").unwrap(), 0);
        assert_eq!(unkeyed.try_get::<i64>("", "unmatched").unwrap(), 0);
    }
    ops_desktop::db::Migrator::down(db.conn(), Some(1))
        .await
        .unwrap();
    assert_eq!(titles(&list(&app, &admin, "q=interview").await.1), both);
    ops_desktop::db::Migrator::up(db.conn(), None)
        .await
        .unwrap();
    assert_eq!(titles(&list(&app, &admin, "q=interview").await.1), both);
    create_item(
        &app,
        &admin,
        json!({"title": "Gamma", "description": "an interview"}),
    )
    .await;
    assert_eq!(
        titles(&list(&app, &admin, "q=interview").await.1),
        ["Alpha interview", "Beta", "Gamma"]
    );
    app.stop().await;
}

async fn pages_follow_each_sort_without_gaps_or_repeats(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let priorities = ["LOW", "NORMAL", "HIGH", "URGENT"];
    for n in 0..23 {
        let mut body = json!({"title": format!("Item {n:02}"), "priority": priorities[n % 4]});
        if n % 3 != 0 {
            body["dueAt"] = json!(format!("2026-04-{:02}T12:00:00Z", 1 + (n % 7)));
        }
        create_item(&app, &staff, body).await;
    }
    for sort in [
        "dueAt",
        "-dueAt",
        "priority",
        "-priority",
        "createdAt",
        "-createdAt",
        "-updatedAt",
        "updatedAt",
    ] {
        let (_, everything) = list(&app, &staff, &format!("sort={sort}&limit=200")).await;
        let expected = titles(&everything);
        assert_eq!(expected.len(), 23);
        let mut paged = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let query = match &cursor {
                Some(c) => format!("sort={sort}&limit=5&cursor={c}"),
                None => format!("sort={sort}&limit=5"),
            };
            let (status, page) = list(&app, &staff, &query).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            paged.extend(titles(&page));
            match page["nextCursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => break,
            }
        }
        assert_eq!(paged, expected, "sort={sort}");
    }
    let (_, by_priority) = list(&app, &staff, "sort=priority&limit=200").await;
    assert_eq!(by_priority["data"][0]["priority"], "URGENT");
    let (_, by_due) = list(&app, &staff, "sort=dueAt&limit=200").await;
    assert!(
        by_due["data"][22]["dueAt"].is_null(),
        "items without a due date come last"
    );
    let (_, first) = list(&app, &staff, "sort=dueAt&limit=5").await;
    let (status, _) = list(
        &app,
        &staff,
        &format!(
            "sort=priority&cursor={}",
            first["nextCursor"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a cursor belongs to its sort"
    );
    app.stop().await;
}

async fn csv_export_streams_the_same_filtered_list(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    for n in 0..205 {
        create_item(
            &app,
            &staff,
            json!({"title": format!("Bulk {n:03}"), "tags": ["bulk"]}),
        )
        .await;
    }
    create_item(
        &app,
        &staff,
        json!({"title": "Quote \"me\", please", "tags": ["odd"], "client": "=cmd"}),
    )
    .await;
    let response = staff
        .client
        .get(app.url("/api/work-items.csv?tag=bulk&sort=createdAt"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = response.text().await.unwrap();
    let lines: Vec<&str> = text.trim_end().split("\r\n").collect();
    assert!(
        lines[0].starts_with("Key,Title,Type,Status"),
        "{}",
        lines[0]
    );
    assert_eq!(
        lines.len(),
        1 + 205,
        "every matching item across pages, no others"
    );
    assert!(lines[1].contains("Bulk 000") && lines[205].contains("Bulk 204"));
    let odd = staff
        .client
        .get(app.url("/api/work-items.csv?tag=odd"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(odd.contains("\"Quote \"\"me\"\", please\""), "{odd}");
    assert!(odd.contains(",'=cmd,"), "formula neutralised: {odd}");
    let bad = staff
        .client
        .get(app.url("/api/work-items.csv?sort=nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}

on_both_backends!(
    filters_narrow_the_list,
    search_follows_edits_and_deletes,
    search_is_keyed_by_item_number,
    pages_follow_each_sort_without_gaps_or_repeats,
    csv_export_streams_the_same_filtered_list,
);
