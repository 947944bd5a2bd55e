//! The board without JavaScript: adding a card at the top of a column, closed columns that
//! show only their most recent cards and fold (remembered), and the plans that keep those
//! columns cheap however many finished items pile up.

use ops_desktop::{
    domain::work_item::Status,
    services::board::{self, BoardFilter},
};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DbBackend, QueryTrait, Statement, TransactionTrait};
use serde_json::json;

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, personas,
        work::{call, create_item},
    },
};

async fn html(app: &TestApp, who: &personas::Persona, path: &str) -> String {
    let response = who.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.text().await.unwrap()
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_string()
}

/// The titles of the cards in `status`'s column, top to bottom.
fn column_titles(page: &str, status: &str) -> Vec<String> {
    let start = page
        .find(&format!("<ul class=\"cards\" data-status=\"{status}\""))
        .unwrap_or_else(|| panic!("a {status} column"));
    let column = &page[start..];
    let column = &column[..column.find("</ul>").unwrap()];
    column
        .split("class=\"card-title\"")
        .skip(1)
        .map(|part| {
            // After the link's item key.
            let text = &part[part.find("</span>").unwrap() + "</span>".len()..];
            text[..text.find("</a>").unwrap()].trim().to_string()
        })
        .collect()
}

async fn a_card_is_added_at_the_top_of_its_column(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    create_item(&app, &staff, json!({"title": "Older", "status": "PLANNED"})).await;

    let added = staff
        .post_form(
            &app,
            "/board/cards",
            &[("status", "PLANNED"), ("title", "  Call the printer  ")],
        )
        .await;
    assert_eq!(added.status(), StatusCode::FOUND);
    let page = html(&app, &staff, &location(&added)).await;
    assert!(
        page.contains("Added “Call the printer” to Planned."),
        "confirmed"
    );
    assert_eq!(
        column_titles(&page, "PLANNED"),
        ["Call the printer", "Older"],
        "the new card is first"
    );

    // Refused: a blank title, and a column that does not exist. Nothing is created.
    for (status, title, says) in [
        ("PLANNED", "   ", "A card needs a title"),
        ("LATER", "Something", "That column does not exist."),
    ] {
        let refused = staff
            .post_form(
                &app,
                "/board/cards",
                &[("status", status), ("title", title)],
            )
            .await;
        assert_eq!(refused.status(), StatusCode::FOUND);
        let page = html(&app, &staff, &location(&refused)).await;
        assert!(page.contains(says), "{says}");
    }
    let (_, listed) = call(
        &app,
        &staff,
        reqwest::Method::GET,
        "/api/work-items?status=PLANNED",
        None,
    )
    .await;
    assert_eq!(
        listed["data"].as_array().unwrap().len(),
        2,
        "nothing else was added"
    );

    // On a board narrowed to me and a tag, the card is mine and tagged, so it stays in view.
    let mine = staff
        .post_form(
            &app,
            "/board/cards",
            &[
                ("status", "BACKLOG"),
                ("title", "Mine"),
                ("owner", "me"),
                ("tag", "web"),
            ],
        )
        .await;
    let back = location(&mine);
    assert!(
        back.contains("owner=me") && back.contains("tag=web"),
        "{back}"
    );
    let page = html(&app, &staff, &back).await;
    assert_eq!(column_titles(&page, "BACKLOG"), ["Mine"]);
    app.stop().await;
}

async fn closed_columns_show_the_latest_few_and_fold(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    for n in 0..12 {
        create_item(
            &app,
            &staff,
            json!({"title": format!("Done {n}"), "status": "DONE"}),
        )
        .await;
    }
    create_item(
        &app,
        &staff,
        json!({"title": "Dropped", "status": "CANCELLED"}),
    )
    .await;

    let page = html(&app, &staff, "/board").await;
    let shown: Vec<String> = (4..12).rev().map(|n| format!("Done {n}")).collect();
    assert_eq!(
        column_titles(&page, "DONE"),
        shown,
        "the {} most recently finished, newest first",
        board::CLOSED_CARDS
    );
    assert!(
        page.replace("&#38;", "&")
            .contains("href=\"/work?status=DONE&sort=-updatedAt\">4 more"),
        "the rest are on the work list: {}",
        page.split("column-more")
            .nth(1)
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect::<String>()
    );
    assert!(
        column_titles(&page, "CANCELLED").is_empty()
            && page.contains("Expand the Cancelled column"),
        "Cancelled starts folded"
    );

    // Folding is a link; the choice is remembered for the next visit.
    let folded = html(&app, &staff, "/board?fold=DONE").await;
    assert!(column_titles(&folded, "DONE").is_empty());
    assert_eq!(column_titles(&folded, "CANCELLED"), ["Dropped"]);
    let again = html(&app, &staff, "/board").await;
    assert!(
        column_titles(&again, "DONE").is_empty()
            && column_titles(&again, "CANCELLED") == ["Dropped"],
        "remembered"
    );
    let open = html(&app, &staff, "/board?fold=none").await;
    assert_eq!(column_titles(&open, "DONE").len(), 8);
    app.stop().await;
}

/// The plan of `statement` as text, a line per step.
async fn plan(conn: &impl ConnectionTrait, backend: DbBackend, statement: Statement) -> String {
    let prefix = match backend {
        DbBackend::Postgres => "EXPLAIN ",
        _ => "EXPLAIN QUERY PLAN ",
    };
    let explained = Statement {
        sql: format!("{prefix}{}", statement.sql),
        ..statement
    };
    let rows = conn.query_all_raw(explained).await.unwrap();
    rows.iter()
        .map(|row| match backend {
            DbBackend::Postgres => row.try_get::<String>("", "QUERY PLAN").unwrap(),
            _ => row.try_get::<String>("", "detail").unwrap(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn closed_columns_read_a_bounded_slice_of_the_index(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    for n in 0..20 {
        create_item(
            &app,
            &staff,
            json!({"title": format!("Done {n}"), "status": "DONE"}),
        )
        .await;
    }
    let db = app.db();
    let backend = db.backend();
    let txn = db.conn().begin().await.unwrap();
    if backend == DbBackend::Postgres {
        // A test database is tiny, so PostgreSQL would rather read the table; forbidding that
        // shows whether an index can answer in order, which is what holds at scale.
        txn.execute_unprepared("ANALYZE work_items; SET LOCAL enable_seqscan = off")
            .await
            .unwrap();
    }
    for status in [Status::Done, Status::Cancelled] {
        let filter = BoardFilter::default();
        let cards = board::column_cards(backend, &filter, status, board::CLOSED_CARDS);
        let cards_plan = plan(&txn, backend, cards.build(backend)).await;
        let count = backend.build(&board::capped_count_statement(backend, &filter, status));
        assert!(
            count.sql.contains("LIMIT"),
            "the count stops: {}",
            count.sql
        );
        let count_plan = plan(&txn, backend, count).await;
        match backend {
            DbBackend::Postgres => {
                assert!(
                    cards_plan.contains("Limit")
                        && cards_plan.contains("Index")
                        && !cards_plan.contains("Sort"),
                    "{status:?} cards come in index order:\n{cards_plan}"
                );
                assert!(count_plan.contains("Limit"), "{count_plan}");
            }
            _ => {
                assert!(
                    cards_plan.contains("status_completed_at")
                        && !cards_plan.contains("TEMP B-TREE"),
                    "{status:?} cards come in index order:\n{cards_plan}"
                );
                assert!(
                    !count_plan.contains("SCAN work_items"),
                    "the count searches an index:\n{count_plan}"
                );
            }
        }
    }
    txn.rollback().await.unwrap();
    app.stop().await;
}

on_both_backends!(
    a_card_is_added_at_the_top_of_its_column,
    closed_columns_show_the_latest_few_and_fold,
    closed_columns_read_a_bounded_slice_of_the_index,
);
