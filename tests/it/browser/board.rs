//! The board in a real browser: every column fits a 1440 px laptop (none clipped), each
//! column takes a drop over its whole height, chips keep to one line, and a card is added
//! from the keyboard alone.

use ops_desktop::services::demo;
use serde_json::json;

use crate::support::personas::PASSWORD as DEMO_PASSWORD;

use super::driver::{Driver, Scheme};
use super::screenshots::MORGAN;
use crate::support::{Backend, TestApp};

/// Columns whose right edge lies beyond the board's visible area, by name.
const CLIPPED: &str = "const board = document.querySelector('.board').getBoundingClientRect(); \
    return Array.from(document.querySelectorAll('.column')) \
      .filter((c) => c.getBoundingClientRect().right > board.right + 1) \
      .map((c) => c.dataset.column);";

/// Lists (drop areas) that end well before their column does, and chip rows taller than a line.
const SHAPES: &str = "const short = Array.from(document.querySelectorAll('.column:not(.folded)')) \
      .filter((c) => c.getBoundingClientRect().bottom - c.querySelector('.cards').getBoundingClientRect().bottom > 48) \
      .map((c) => c.dataset.column); \
    const tall = Array.from(document.querySelectorAll('.chips')) \
      .filter((row) => row.getBoundingClientRect().height > 26).length; \
    return [short, tall];";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_fits_takes_drops_everywhere_and_adds_from_the_keyboard() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    demo::seed(app.db(), DEMO_PASSWORD)
        .await
        .expect("demo data");
    let driver = Driver::start().await;
    let browser = driver.browser(Scheme::Light).await;
    browser.sign_in(&app, MORGAN, DEMO_PASSWORD).await;

    for path in ["/board", "/board?fold=none"] {
        browser.goto(&app, path).await;
        browser.client.set_window_size(1440, 900).await.unwrap();
        let clipped = browser.js(CLIPPED, vec![]).await;
        assert_eq!(
            clipped,
            json!([]),
            "no column is cut off at 1440 px ({path})"
        );
        let shapes = browser.js(SHAPES, vec![]).await;
        assert_eq!(
            shapes,
            json!([[], 0]),
            "drop areas fill their columns; chips keep to one line ({path})"
        );
    }

    // Keyboard only: Tab to "Add card" in Planned, open it, type, Enter.
    browser.goto(&app, "/board").await;
    let summary = browser
        .find(".column[data-column=PLANNED] .add-card summary")
        .await;
    browser
        .js("arguments[0].focus();", vec![json!(summary)])
        .await;
    summary.send_keys("\u{E007}").await.unwrap();
    browser
        .wait_js(
            5,
            "the title field to take the focus",
            "return document.activeElement && document.activeElement.id === 'add-PLANNED';",
            vec![],
        )
        .await;
    let field = browser.find("#add-PLANNED").await;
    field.send_keys("Order the banner stands").await.unwrap();
    field.send_keys("\u{E007}").await.unwrap();
    browser
        .wait_js(
            10,
            "the new card at the top of Planned",
            "const first = document.querySelector('.cards[data-status=PLANNED] .card-title'); \
             return !!first && first.textContent.trim().endsWith(' Order the banner stands');",
            vec![],
        )
        .await;
    let flash = browser.text(".flash").await;
    assert!(
        flash.contains("Added “Order the banner stands” to Planned."),
        "{flash}"
    );
    browser.close().await;
}
