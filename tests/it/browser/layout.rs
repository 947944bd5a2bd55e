//! The frame at the widths people use: from 1024 px up the sidebar shows every entry on one
//! line and nothing scrolls sideways; at a phone's 390 px no main page scrolls sideways and the
//! navigation is a drawer behind the Menu button.

use ops_desktop::services::demo;
use serde_json::json;

use crate::support::personas::PASSWORD as DEMO_PASSWORD;

use super::driver::{Browser, Driver, Scheme};
use super::screenshots::{MORGAN, PAGES, PHONE_WIDTH, demo_item_path};
use crate::support::{Backend, TestApp};

/// Pages whose tables must read as cards on a phone rather than scroll inside their frame.
const STACKED_ON_PHONES: &[&str] = &["item", "inbox", "qc", "admin-audit"];

/// How far the page can scroll sideways (0 when it fits), after laying it out at `width`.
async fn sideways_overflow(browser: &Browser, width: u32) -> i64 {
    browser
        .client
        .set_window_size(width, 900)
        .await
        .expect("resizing the window");
    let overflow = browser
        .js(
            "const d = document.documentElement; return d.scrollWidth - d.clientWidth;",
            vec![],
        )
        .await;
    overflow.as_i64().expect("a number")
}

/// The sidebar entries (and group headings) whose text takes more than one line or is cut.
async fn wrapped_entries(browser: &Browser) -> Vec<String> {
    let found = browser
        .js(
            "return Array.from(document.querySelectorAll('.sidebar a, .sidebar summary')) \
               .filter((el) => { \
                 const line = parseFloat(getComputedStyle(el).lineHeight) || 20; \
                 const style = getComputedStyle(el); \
                 const inner = el.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom); \
                 return inner > line * 1.5 || el.scrollWidth > el.clientWidth; }) \
               .map((el) => el.textContent.trim());",
            vec![],
        )
        .await;
    serde_json::from_value(found).expect("a list of names")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_page_scrolls_sideways_and_the_sidebar_never_wraps() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    demo::seed(app.db(), DEMO_PASSWORD)
        .await
        .expect("demo data");
    let driver = Driver::start().await;
    let browser = driver.browser(Scheme::Light).await;
    browser.sign_in(&app, MORGAN, DEMO_PASSWORD).await;
    let item = demo_item_path(&app, &browser).await;

    let mut failures = Vec::new();
    for (name, path) in PAGES {
        browser.goto(&app, &path.replace("{item}", &item)).await;
        for width in [PHONE_WIDTH, 1024, 1440] {
            let overflow = sideways_overflow(&browser, width).await;
            if overflow > 0 {
                failures.push(format!("{name} scrolls {overflow}px sideways at {width}px"));
            }
        }
        // On a phone their tables become cards: no column hides behind a table's scrollbar.
        if STACKED_ON_PHONES.contains(name) {
            browser
                .client
                .set_window_size(PHONE_WIDTH, 900)
                .await
                .unwrap();
            let hidden = browser
                .js(
                    "return Array.from(document.querySelectorAll('.table-wrap')) \
                       .map((w) => w.scrollWidth - w.clientWidth).filter((d) => d > 0);",
                    vec![],
                )
                .await;
            if hidden != json!([]) {
                failures.push(format!(
                    "{name} at {PHONE_WIDTH}px hides table columns: {hidden}"
                ));
            }
        }
        let wrapped = wrapped_entries(&browser).await;
        if !wrapped.is_empty() {
            failures.push(format!(
                "{name} at 1440px: sidebar entries wrap: {wrapped:?}"
            ));
        }
        browser.client.set_window_size(1024, 900).await.unwrap();
        let wrapped = wrapped_entries(&browser).await;
        if !wrapped.is_empty() {
            failures.push(format!(
                "{name} at 1024px: sidebar entries wrap: {wrapped:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // On a phone the sidebar is a drawer: hidden until Menu opens it, closed by Escape.
    browser.goto(&app, "/").await;
    browser
        .client
        .set_window_size(PHONE_WIDTH, 800)
        .await
        .unwrap();
    let sidebar_shown = "const r = document.querySelector('.sidebar').getBoundingClientRect(); \
         return getComputedStyle(document.querySelector('.sidebar')).visibility === 'visible' && r.right > 0;";
    // (The window just narrowed, so the drawer may still be sliding away.)
    let sidebar_hidden = format!("return !(() => {{ {sidebar_shown} }})();");
    browser
        .wait_js(
            5,
            "the drawer to be closed at first",
            &sidebar_hidden,
            vec![],
        )
        .await;
    browser.find(".nav-open-label").await.click().await.unwrap();
    browser
        .wait_js(5, "the drawer to open", sidebar_shown, vec![])
        .await;
    browser
        .find(".sidebar a[href='/calendar']")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_path("following a drawer link", |p| p == "/calendar")
        .await;
    assert_eq!(
        browser.js(sidebar_shown, vec![]).await,
        json!(false),
        "the next page starts with the drawer closed"
    );

    // On a wide screen the sidebar collapses, and stays collapsed on the next page.
    browser.client.set_window_size(1280, 900).await.unwrap();
    browser
        .wait_js(
            5,
            "the sidebar to settle at the left edge",
            "return document.querySelector('.sidebar').getBoundingClientRect().left === 0;",
            vec![],
        )
        .await;
    browser.find(".nav-hide-label").await.click().await.unwrap();
    browser.goto(&app, "/board").await;
    browser
        .wait_js(
            5,
            "the sidebar to stay hidden",
            "return getComputedStyle(document.querySelector('.sidebar')).display === 'none';",
            vec![],
        )
        .await;
    browser.find(".nav-show-label").await.click().await.unwrap();
    browser
        .wait_js(
            5,
            "the sidebar to come back",
            "return getComputedStyle(document.querySelector('.sidebar')).display !== 'none';",
            vec![],
        )
        .await;
    browser.close().await;
}
