//! One meaning per word across pages, in a real browser: finished work waits on nobody (board,
//! list and CSV alike), and "awaiting proofing" counts the same items on the dashboard tile, in
//! the inbox and in the QC queue. The browser runs in Asia/Kolkata.

use ops_desktop::db::entities::work_item;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::json;

use super::{
    driver::{Browser, Driver, Scheme},
    item_page::person,
};
use crate::support::{
    Backend, TestApp,
    personas::PASSWORD,
    work::{call, create_item},
};

/// The texts of every element matching `css`, without an item's key (`OPS-12`) in front.
async fn texts(browser: &Browser, css: &str) -> Vec<String> {
    let found = browser
        .js(
            "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.innerText.trim().replace(/^OPS-\\d+\\s*/, ''));",
            vec![json!(css)],
        )
        .await;
    serde_json::from_value(found).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_item_waits_on_nobody_anywhere() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let priya = person(&app, "priya@example.com", "Priya Shah", "STAFF").await;
    let sam = person(&app, "sam@example.com", "Sam Okafor", "STAFF").await;
    let waiting = json!({"waitingOnUserId": sam.user.id.to_string(), "waitingReason": "Sign-off"});
    let mut open = json!({"title": "Open piece", "status": "IN_PROGRESS"});
    open.as_object_mut()
        .unwrap()
        .extend(waiting.as_object().unwrap().clone());
    create_item(&app, &priya, open).await;
    // Finished through the app (which clears "waiting")...
    let mut finished = json!({"title": "Finished piece", "status": "IN_PROGRESS"});
    finished
        .as_object_mut()
        .unwrap()
        .extend(waiting.as_object().unwrap().clone());
    let finished = create_item(&app, &priya, finished).await;
    let (status, body) = call(
        &app,
        &priya,
        reqwest::Method::PATCH,
        &format!("/api/work-items/{}", finished["id"].as_str().unwrap()),
        Some(json!({"status": "DONE"})),
    )
    .await;
    assert!(status.is_success(), "{body}");
    // ...and one finished before that rule, whose row still names Sam.
    create_item(
        &app,
        &priya,
        json!({"title": "Old finished piece", "status": "DONE"}),
    )
    .await;
    work_item::Entity::update_many()
        .col_expr(work_item::Column::WaitingOnUserId, Expr::value(sam.user.id))
        .filter(work_item::Column::Title.eq("Old finished piece"))
        .exec(app.db().conn())
        .await
        .unwrap();

    let driver = Driver::start_in(Some("Asia/Kolkata")).await;
    let browser = driver.browser(Scheme::Light).await;
    browser.sign_in(&app, "priya@example.com", PASSWORD).await;
    let card = |title: &str| {
        format!(
            "Array.from(document.querySelectorAll('.item-card')).find(c => c.innerText.includes('{title}'))?.innerText ?? ''"
        )
    };
    browser.goto(&app, "/board").await;
    for (title, waits) in [
        ("Open piece", true),
        ("Finished piece", false),
        ("Old finished piece", false),
    ] {
        let text = browser
            .js(&format!("return {};", card(title)), vec![])
            .await;
        let text = text.as_str().unwrap();
        assert!(!text.is_empty(), "{title} is on the board");
        assert_eq!(
            text.contains("Waiting on"),
            waits,
            "board card {title}: {text}"
        );
    }
    browser.goto(&app, "/work?status=DONE").await;
    let rows = texts(&browser, "tbody tr").await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(
        rows.iter()
            .all(|row| !row.contains("Waiting on") && !row.contains("Sam Okafor")),
        "{rows:?}"
    );
    let csv = priya
        .client
        .get(app.url("/api/work-items.csv?status=DONE"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.contains("Old finished piece") && !csv.contains("Sam Okafor"),
        "{csv}"
    );
    browser.close().await;
    drop(driver);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awaiting_proofing_means_one_thing_on_every_page() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let priya = person(&app, "priya@example.com", "Priya Shah", "STAFF").await;
    let sam = person(&app, "sam@example.com", "Sam Okafor", "STAFF").await;
    let proofer = sam.user.id.to_string();
    // Awaiting: open, needs proofing, no decision yet (in review or not).
    // One names its proofer, the other lets anyone proof.
    for (title, status, proofer) in [
        ("In review", "IN_REVIEW", json!(proofer)),
        ("Still drafting", "IN_PROGRESS", json!(null)),
    ] {
        create_item(
            &app,
            &priya,
            json!({"title": title, "status": status, "needsProofing": true, "prooferId": proofer}),
        )
        .await;
    }
    // Not awaiting: called off, or not asking for proofing.
    create_item(
        &app,
        &priya,
        json!({"title": "Called off", "status": "CANCELLED", "needsProofing": true, "prooferId": proofer}),
    )
    .await;
    create_item(
        &app,
        &priya,
        json!({"title": "No proof needed", "status": "IN_REVIEW"}),
    )
    .await;

    let driver = Driver::start_in(Some("Asia/Kolkata")).await;
    let browser = driver.browser(Scheme::Light).await;
    browser.sign_in(&app, "sam@example.com", PASSWORD).await;
    let mut expected = vec!["In review".to_string(), "Still drafting".to_string()];
    expected.sort();

    browser.goto(&app, "/").await;
    assert_eq!(browser.text("#count-proofing").await, "2");
    let mut tile = texts(&browser, "#to-proof .row-title").await;
    tile.sort();
    assert_eq!(tile, expected, "the dashboard's list");
    browser.goto(&app, "/qc").await;
    let mut queue = texts(&browser, "tbody .row-title").await;
    queue.sort();
    assert_eq!(queue, expected, "the QC queue");
    browser.goto(&app, "/inbox").await;
    let mut inbox = texts(&browser, "#to-proof .row-title").await;
    inbox.sort();
    assert_eq!(inbox, expected, "the inbox");
    // Who proofs, in the product's words and casing.
    let mut proofers = texts(
        &browser,
        "#to-proof li > div.row-meta:first-of-type > span:nth-child(2)",
    )
    .await;
    proofers.sort();
    assert_eq!(proofers, ["Anyone can proof", "Proofer: Sam Okafor"]);
    // Facts side by side ("Owner: …", "Proofer: …") are divided, not one run of words.
    let divider = browser
        .js(
            "const s = document.querySelector('#to-proof li > div.row-meta:first-of-type > span:nth-child(2)'); \
             return getComputedStyle(s, '::before').content;",
            vec![],
        )
        .await;
    assert_eq!(divider, json!("\"·\""));
    browser.close().await;
    drop(driver);
    app.stop().await;
}
