//! Times in each person's zone, with the browser itself in that zone (Chromium reads `TZ`):
//! the browser's zone is offered on first sign-in, and 09:00 typed in New York — on the item
//! page, the new-item form or a subtask — is stored as 14:00Z and shown as 09:00 again; in
//! Kolkata (a half-hour offset) the same 09:00 is 03:30Z. Times are typed and shown 24-hour
//! whatever the browser's locale.

use reqwest::Method;
use serde_json::json;

use super::{
    driver::{Driver, Scheme},
    item_page::{item, page_version, person, wait_version},
};
use crate::support::{Backend, TestApp, personas::PASSWORD, work::call};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nine_oclock_in_new_york_is_nine_oclock_everywhere_she_looks() {
    nine_oclock_in("America/New_York", "14:00:00Z", "13:00:00Z").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nine_oclock_in_kolkata_is_nine_oclock_everywhere_she_looks() {
    nine_oclock_in("Asia/Kolkata", "03:30:00Z", "02:30:00Z").await;
}

/// Types `value` into an empty text field, as a person does.
async fn type_into(browser: &super::driver::Browser, css: &str, value: &str) {
    browser
        .js(
            "document.querySelector(arguments[0]).value = '';",
            vec![json!(css)],
        )
        .await;
    browser.find(css).await.send_keys(value).await.unwrap();
}

/// 09:00 typed in `zone` is stored as `nine` (UTC) on the 8th; the start at 08:00 on the 7th
/// as `eight`.
async fn nine_oclock_in(zone: &str, nine: &str, eight: &str) {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let priya = person(&app, "priya@example.com", "Priya Shah", "STAFF").await;
    let driver = Driver::start_in(Some(zone)).await;
    let browser = driver.browser(Scheme::Light).await;
    browser.sign_in(&app, "priya@example.com", PASSWORD).await;

    // First sign-in: the browser's zone is offered, and taken.
    let offer = browser.text("[data-tz-offer]").await;
    assert!(offer.contains(&zone.replace('_', " ")), "{offer}");
    browser
        .find("[data-tz-offer] button[data-tz-use]")
        .await
        .click()
        .await
        .unwrap();
    let flash = browser.text("p.flash-ok").await;
    assert!(flash.contains(&zone.replace('_', " ")), "{flash}");
    let shown = browser
        .js(
            "return !!document.querySelector('[data-tz-offer]');",
            vec![],
        )
        .await;
    assert_eq!(shown, json!(false), "no offer once chosen");

    // The new-item form: 09:00 on 8 December, typed 24-hour into a plain field (an en-US
    // `datetime-local` would show 9:00 AM).
    browser.goto(&app, "/work/new").await;
    let kind = browser
        .js("return document.querySelector('#n-due').type;", vec![])
        .await;
    assert_eq!(kind, json!("text"));
    browser
        .find("form#new-item input[name=title]")
        .await
        .send_keys("Winter mailing")
        .await
        .unwrap();
    type_into(
        &browser,
        "form#new-item input[name=due_at]",
        "2026-12-08 09:00",
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
        format!("2026-12-08T{nine}")
    );
    let due = browser
        .js("return document.querySelector('#i-due').value;", vec![])
        .await;
    assert_eq!(due, json!("2026-12-08 09:00"), "shown as typed");
    let shown = browser.text(".page-head").await;
    assert!(!shown.contains("Version"), "{shown}");

    // The item page: the start at 08:00 on the 7th, typed and left (autosaved), shown as
    // 08:00 after a reload.
    let version = page_version(&browser).await;
    type_into(&browser, "#i-start", "2026-12-07 08:00").await;
    browser.js("document.activeElement.blur();", vec![]).await;
    wait_version(&browser, version + 1, "the start to be saved").await;
    assert_eq!(
        item(&app, &priya, &id).await["startAt"],
        format!("2026-12-07T{eight}")
    );
    browser.goto(&app, &path).await;
    let start = browser
        .js("return document.querySelector('#i-start').value;", vec![])
        .await;
    assert_eq!(start, json!("2026-12-07 08:00"));

    // A subtask due at 09:00 is 14:00Z too.
    browser
        .find("#s-title")
        .await
        .send_keys("Print proofs")
        .await
        .unwrap();
    type_into(&browser, "#s-due", "2026-12-08 09:00").await;
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
    assert_eq!(subtasks["data"][0]["dueAt"], format!("2026-12-08T{nine}"));
    let listed = browser.text("#subtasks").await;
    assert!(
        listed.contains("09:00"),
        "the subtask shows 09:00: {listed}"
    );

    browser.close().await;
    drop(driver);
    app.stop().await;
}

/// Date filters read year-month-day whatever the browser's locale: an en-US `type="date"`
/// field would show 12/08/2026 and take typed digits as month first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn date_filters_read_year_month_day_in_an_american_browser() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    person(&app, "morgan@example.com", "Morgan Lee", "ADMIN").await;
    let driver = Driver::start_in(Some("America/New_York")).await;
    let browser = driver.browser(Scheme::Light).await;
    browser.sign_in(&app, "morgan@example.com", PASSWORD).await;

    for (page, first, second) in [
        ("/admin/audit", "from", "to"),
        ("/work", "dueFrom", "dueTo"),
    ] {
        browser.goto(&app, page).await;
        for name in [first, second] {
            let field = browser
                .js(
                    "const f = document.querySelector(`input[name=${arguments[0]}]`); \
                     return [f.type, f.placeholder];",
                    vec![json!(name)],
                )
                .await;
            assert_eq!(field, json!(["text", "YYYY-MM-DD"]), "{page} {name}");
        }
        type_into(&browser, &format!("input[name={first}]"), "2026-12-01").await;
        type_into(&browser, &format!("input[name={second}]"), "2026-12-08").await;
        browser
            .js(
                "document.querySelector(`input[name=${arguments[0]}]`).form.requestSubmit();",
                vec![json!(first)],
            )
            .await;
        let path = browser
            .wait_path("the filter to apply", |p| p.contains("2026-12-08"))
            .await;
        assert!(
            path.contains(&format!("{first}=2026-12-01")),
            "typed as read: {path}"
        );
        let kept = browser
            .js(
                "return document.querySelector(`input[name=${arguments[0]}]`).value;",
                vec![json!(first)],
            )
            .await;
        assert_eq!(
            kept,
            json!("2026-12-01"),
            "{page} keeps the filter as typed"
        );
    }

    browser.close().await;
    drop(driver);
    app.stop().await;
}
