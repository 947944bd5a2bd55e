//! The day's work in two real browsers: Priya (staff, owner of the
//! "Weekly newsletter" template) signs in, creates a newsletter issue from the template, says it waits
//! on Sam, drags it across the board, is stopped by the QC gate, and finishes it once Sam
//! (a second browser) has approved it. Sam's board follows her moves live; his inbox shows
//! what waits on him; the calendar shows the item on its day; staff are kept out of admin pages.

use chrono::{Duration, Utc};
use ops_desktop::services::demo;

use crate::support::personas::PASSWORD as DEMO_PASSWORD;
use serde_json::{Value, json};

use super::driver::{Browser, Driver, Scheme};
use crate::support::{Backend, TestApp, TestOptions};

const PRIYA: &str = "priya@demo.opsdesktop.app";
const SAM: &str = "sam@demo.opsdesktop.app";
const TITLE: &str = "Newsletter issue 15 (browser test)";

/// Dispatches the HTML5 drag events app.js listens for (WebDriver's pointer actions do not fire
/// them in Chrome): `dragstart` on the card, `dragover` at the bottom of the target list,
/// `dragend` on the card, with one shared `DataTransfer`, as a real drag would.
const DRAG: &str = r#"
const [id, status] = arguments;
const card = document.querySelector(`.item-card[data-id="${id}"]`);
const list = document.querySelector(`ul.cards[data-status="${status}"]`);
if (!card || !list) return false;
const transfer = new DataTransfer();
const fire = (target, type, extra) => target.dispatchEvent(new DragEvent(type,
  Object.assign({ bubbles: true, cancelable: true, dataTransfer: transfer }, extra || {})));
fire(card, "dragstart");
const box = list.getBoundingClientRect();
fire(list, "dragover", { clientX: box.left + 10, clientY: box.bottom + 1000 });
fire(card, "dragend");
return true;
"#;

/// True when card `id` sits in the list of `status`.
const CARD_IN: &str = r#"
const [id, status] = arguments;
return !!document.querySelector(`ul.cards[data-status="${status}"] .item-card[data-id="${id}"]`);
"#;

async fn drag(browser: &Browser, id: &str, status: &str) {
    let dragged = browser.js(DRAG, vec![json!(id), json!(status)]).await;
    assert_eq!(dragged, json!(true), "card {id} and column {status} exist");
}

async fn card_version(browser: &Browser, id: &str) -> i64 {
    browser
        .js(
            "const c = document.querySelector(`.item-card[data-id=\"${arguments[0]}\"]`); \
             return c ? Number(c.dataset.version) : -1;",
            vec![json!(id)],
        )
        .await
        .as_i64()
        .unwrap_or(-1)
}

/// Drags card `id` to `status` and waits until the server accepted it (new version).
async fn drag_accepted(browser: &Browser, id: &str, status: &str) {
    let before = card_version(browser, id).await;
    drag(browser, id, status).await;
    browser
        .wait_js(
            30,
            &format!("the move to {status} to be saved"),
            "const [id, status, before] = arguments; \
             const c = document.querySelector(`.item-card[data-id=\"${id}\"]`); \
             if (c && c.querySelector('.card-error')) throw new Error(c.querySelector('.card-error').textContent); \
             return !!c && c.closest('ul.cards').dataset.status === status && Number(c.dataset.version) > before;",
            vec![json!(id), json!(status), json!(before)],
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn day_of_work_in_two_browsers() {
    let started = std::time::Instant::now();
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        TestOptions {
            env: vec![("RATE_LIMIT_SIGNIN_PER_MINUTE".into(), "100".into())],
            ..TestOptions::default()
        },
    )
    .await;
    demo::seed(app.db(), crate::support::personas::PASSWORD)
        .await
        .expect("demo data");
    // Half an hour off the hour from the server's UTC: nothing may depend on the browser's zone.
    let driver = Driver::start_in(Some("Asia/Kolkata")).await;
    let (priya, sam) = tokio::join!(driver.browser(Scheme::Light), driver.browser(Scheme::Light));

    // Sign in: both people, through the real form.
    tokio::join!(
        priya.sign_in(&app, PRIYA, DEMO_PASSWORD),
        sam.sign_in(&app, SAM, DEMO_PASSWORD)
    );

    // Create an item from a template, due in two days at 10:00 (OPS_TIMEZONE is UTC here).
    let due_day = (Utc::now() + Duration::days(2)).date_naive();
    priya.goto(&app, "/work/new").await;
    priya
        .find("form#new-item select[name=template_id]")
        .await
        .select_by_label("Weekly newsletter")
        .await
        .expect("the template is offered");
    priya
        .find("form#new-item input[name=title]")
        .await
        .send_keys(TITLE)
        .await
        .unwrap();
    // Typing into datetime-local depends on the locale's field order; set the value instead.
    priya
        .js(
            "document.querySelector('form#new-item input[name=due_at]').value = arguments[0];",
            vec![json!(format!("{due_day} 10:00"))],
        )
        .await;
    priya
        .find("form#new-item button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    let item_path = priya
        .wait_path("creating the item", |p| {
            p.starts_with("/work/") && p != "/work/new"
        })
        .await;
    let id = item_path.trim_start_matches("/work/").to_string();
    assert_eq!(priya.text("h1").await, TITLE);
    let body_id = priya.find("body").await.attr("data-item-id").await.unwrap();
    assert_eq!(body_id.as_deref(), Some(id.as_str()));

    // Say it waits on Sam: saved like every other field, once both who and what for are set.
    let version = super::item_page::page_version(&priya).await;
    priya
        .find("form#item-fields select[name=waiting_on_user_id]")
        .await
        .select_by_label("Sam Okafor")
        .await
        .unwrap();
    priya
        .find("form#item-fields input[name=waiting_reason]")
        .await
        .send_keys("Sign-off on the subject line")
        .await
        .unwrap();
    priya
        .find("form#item-fields button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    super::item_page::wait_version(&priya, version + 1, "waiting to be saved").await;

    // Sam sees it waiting on him in his inbox.
    sam.goto(&app, "/inbox").await;
    let waiting = sam.text("#waiting-on-me").await;
    assert!(
        waiting.contains(TITLE) && waiting.contains("Sign-off on the subject line"),
        "Sam's inbox lists the item waiting on him: {waiting}"
    );

    // The calendar shows it on its day.
    priya.goto(&app, "/calendar").await;
    let day = priya.text(&format!(r#".day[data-date="{due_day}"]"#)).await;
    assert!(
        day.contains(TITLE),
        "{due_day} on the calendar lists the item: {day}"
    );

    // Both open the board; Sam's stays open (no reload) to receive Priya's moves live.
    tokio::join!(priya.goto(&app, "/board"), sam.goto(&app, "/board"));
    let card = format!(r#".item-card[data-id="{id}"]"#);
    priya.find(&card).await;
    sam.find(&card).await;
    sam.js("window.__sameDocument = true;", vec![]).await;
    let start = priya
        .js(
            "return document.querySelector(arguments[0]).closest('ul.cards').dataset.status;",
            vec![json!(card)],
        )
        .await;
    assert_eq!(start, json!("BACKLOG"), "a new item starts in the backlog");

    // Drag it across the board: Backlog → In progress → In review.
    drag_accepted(&priya, &id, "IN_PROGRESS").await;
    drag_accepted(&priya, &id, "IN_REVIEW").await;

    // Sam's board follows without a reload.
    sam.wait_js(
        30,
        "Sam's board to show the card in review",
        CARD_IN,
        vec![json!(id), json!("IN_REVIEW")],
    )
    .await;
    assert_eq!(
        sam.js("return window.__sameDocument === true;", vec![])
            .await,
        json!(true),
        "Sam's page was not reloaded"
    );

    // The QC gate: Done is refused, the card goes back and says why.
    drag(&priya, &id, "DONE").await;
    priya
        .wait_js(
            30,
            "the refusal on the card",
            "return !!document.querySelector(arguments[0] + ' .card-error');",
            vec![json!(card)],
        )
        .await;
    let refusal = priya.text(&format!("{card} .card-error")).await;
    assert!(
        refusal.contains("must approve the proof before this can be Done"),
        "the card says why: {refusal}"
    );
    assert_eq!(
        priya.js(CARD_IN, vec![json!(id), json!("IN_REVIEW")]).await,
        json!(true),
        "the refused card is back in review"
    );

    // Sam approves it on the item page.
    sam.goto(&app, &item_path).await;
    let confirm = sam.find("#qc-decision input[name=confirm_unticked]").await;
    confirm.click().await.unwrap();
    sam.find(r#"#qc-decision button[name=decision][value=APPROVED]"#)
        .await
        .click()
        .await
        .unwrap();
    let flash = sam.text("p.flash-ok").await;
    assert!(
        flash.contains("Proof approved"),
        "the decision is confirmed: {flash}"
    );
    let proofing = sam.text("#qc .proof-state").await.to_lowercase();
    assert!(
        proofing.contains("approved"),
        "proofing shows approved: {proofing}"
    );

    // Priya finishes it: Done is accepted now (her board got Sam's change live too).
    priya
        .wait_js(
            30,
            "Priya's card to show the approval",
            "const c = document.querySelector(arguments[0]); return !!c && !c.querySelector('.card-error') \
             && !!c.querySelector('.chip-ok');",
            vec![json!(card)],
        )
        .await;
    drag_accepted(&priya, &id, "DONE").await;
    sam.goto(&app, &item_path).await;
    let status: Value = sam
        .js(
            "return document.querySelector('form#item-fields select[name=status]').value;",
            vec![],
        )
        .await;
    assert_eq!(status, json!("DONE"));

    // Staff are kept out of admin pages: back to the dashboard with a message.
    for admin_page in ["/admin/users", "/admin/audit"] {
        priya.goto(&app, admin_page).await;
        assert_eq!(priya.path().await, "/", "{admin_page} sends staff home");
        let flash = priya.text("p.flash").await;
        assert!(flash.contains("admins only"), "the flash says why: {flash}");
    }

    tokio::join!(priya.close(), sam.close());
    drop(driver);
    eprintln!("browser scenario took {:?}", started.elapsed());
}
