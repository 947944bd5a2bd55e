//! Times in each person's zone, with the browser itself in that zone (Chromium reads `TZ`):
//! the browser's zone is offered on first sign-in, and 09:00 typed in New York — on the item
//! page, the new-item form or a subtask — is stored as 14:00Z and shown as 09:00 again.

use reqwest::Method;
use serde_json::json;

use super::{
    driver::{Driver, Scheme},
    item_page::{item, page_version, person, wait_version},
};
use crate::support::{Backend, TestApp, personas::PASSWORD, work::call};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nine_oclock_in_new_york_is_nine_oclock_everywhere_she_looks() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let priya = person(&app, "priya@example.com", "Priya Shah", "STAFF").await;
    let driver = Driver::start_in(Some("America/New_York")).await;
    let browser = driver.browser(Scheme::Light).await;
    browser.sign_in(&app, "priya@example.com", PASSWORD).await;

    // First sign-in: the browser's zone is offered, and taken.
    let offer = browser.text("[data-tz-offer]").await;
    assert!(offer.contains("America/New_York"), "{offer}");
    browser
        .find("[data-tz-offer] button[data-tz-use]")
        .await
        .click()
        .await
        .unwrap();
    let flash = browser.text("p.flash-ok").await;
    assert!(flash.contains("America/New York"), "{flash}");
    let shown = browser
        .js(
            "return !!document.querySelector('[data-tz-offer]');",
            vec![],
        )
        .await;
    assert_eq!(shown, json!(false), "no offer once chosen");

    // The new-item form: 09:00 on 8 December (EST, five hours behind UTC).
    browser.goto(&app, "/work/new").await;
    browser
        .find("form#new-item input[name=title]")
        .await
        .send_keys("Winter mailing")
        .await
        .unwrap();
    browser
        .js(
            "document.querySelector('form#new-item input[name=due_at]').value = '2026-12-08T09:00';",
            vec![],
        )
        .await;
    browser
        .find("form#new-item button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    let path = browser
        .wait_path("creating the item", |p| {
            p.starts_with("/work/") && p != "/work/new"
        })
        .await;
    let id = path.trim_start_matches("/work/").to_string();
    assert_eq!(
        item(&app, &priya, &id).await["dueAt"],
        "2026-12-08T14:00:00Z"
    );
    let due = browser
        .js("return document.querySelector('#i-due').value;", vec![])
        .await;
    assert_eq!(due, json!("2026-12-08T09:00"), "shown as typed");

    // The item page: the start at 09:00 on the 7th, autosaved, shown as 09:00 after a reload.
    let version = page_version(&browser).await;
    browser
        .js(
            "const f = document.querySelector('#i-start'); f.value = '2026-12-07T09:00'; \
             f.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![],
        )
        .await;
    wait_version(&browser, version + 1, "the start to be saved").await;
    assert_eq!(
        item(&app, &priya, &id).await["startAt"],
        "2026-12-07T14:00:00Z"
    );
    browser.goto(&app, &path).await;
    let start = browser
        .js("return document.querySelector('#i-start').value;", vec![])
        .await;
    assert_eq!(start, json!("2026-12-07T09:00"));

    // A subtask due at 09:00 is 14:00Z too.
    browser
        .find("#s-title")
        .await
        .send_keys("Print proofs")
        .await
        .unwrap();
    browser
        .js(
            "document.querySelector('#s-due').value = '2026-12-08T09:00';",
            vec![],
        )
        .await;
    browser
        .find(r#"form[action$="/subtasks"] button[type=submit]"#)
        .await
        .click()
        .await
        .unwrap();
    browser.find("p.flash-ok").await;
    let (_, subtasks) = call(
        &app,
        &priya,
        Method::GET,
        &format!("/api/work-items/{id}/subtasks"),
        None,
    )
    .await;
    assert_eq!(subtasks["data"][0]["dueAt"], "2026-12-08T14:00:00Z");
    let listed = browser.text("#subtasks").await;
    assert!(
        listed.contains("09:00"),
        "the subtask shows 09:00: {listed}"
    );

    browser.close().await;
    drop(driver);
    app.stop().await;
}
