//! The item page in a real browser, as people use it: one save model (autosave and Save are the
//! same path, every control carries the current version), decisions that keep the ticks,
//! refusals that look like refusals and put the control back, someone else's change that keeps
//! what this person typed, and history in words.

use reqwest::Method;
use serde_json::{Value, json};

use super::driver::{Browser, Driver, Scheme};
use crate::support::{
    Backend, TestApp,
    personas::{self, PASSWORD, Persona},
    work::{call, create_item},
};

/// A person with a full name (the pages name people), signed in for API calls.
pub async fn person(app: &TestApp, email: &str, name: &str, role: &str) -> Persona {
    let user = personas::create_user(app, email, name, role).await;
    let client = personas::sign_in(app, email, PASSWORD).await;
    let me: Value = client
        .get(app.url("/api/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let csrf = me["data"]["csrfToken"].as_str().unwrap().to_string();
    Persona { client, user, csrf }
}

pub async fn item(app: &TestApp, who: &Persona, id: &str) -> Value {
    call(
        app,
        who,
        Method::GET,
        &format!("/api/work-items/{id}"),
        None,
    )
    .await
    .1["data"]
        .clone()
}

/// The version every form of the page carries.
pub async fn page_version(browser: &Browser) -> i64 {
    browser
        .js(
            "return Number(document.querySelector('form#item-fields input[name=version]').value);",
            vec![],
        )
        .await
        .as_i64()
        .unwrap()
}

/// Waits until the page's forms carry `version` (a save was answered).
pub async fn wait_version(browser: &Browser, version: i64, what: &str) {
    browser
        .wait_js(
            30,
            what,
            "return Array.from(document.querySelectorAll('input[name=version]')).every(i => Number(i.value) === arguments[0]);",
            vec![json!(version)],
        )
        .await;
}

/// Types into a control and leaves it, as a person does (that is when browsers say "changed").
pub async fn type_and_leave(browser: &Browser, css: &str, text: &str) {
    let field = browser.find(css).await;
    // Emptied without events (WebDriver's clear() would report a change of its own).
    browser
        .js(
            "document.querySelector(arguments[0]).value = '';",
            vec![json!(css)],
        )
        .await;
    field.send_keys(text).await.unwrap();
    browser.js("document.activeElement.blur();", vec![]).await;
}

/// Chooses an option by its label (fires `change`, as a person's choice does).
pub async fn choose(browser: &Browser, css: &str, label: &str) {
    browser
        .find(css)
        .await
        .select_by_label(label)
        .await
        .unwrap_or_else(|e| panic!("choosing {label} in {css}: {e}"));
}

/// The refusal shown on the page, once there is one.
pub async fn refusal(browser: &Browser) -> String {
    browser
        .wait_js(
            30,
            "a refusal",
            "return !!document.querySelector('.flash-error[role=alert]');",
            vec![],
        )
        .await;
    browser.text(".flash-error[role=alert]").await
}

struct Setup {
    app: TestApp,
    priya: Persona,
    sam: Persona,
    id: String,
}

/// Priya owns an item in review that Sam is named to proof, with a two-entry checklist.
async fn setup() -> Setup {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let priya = person(&app, "priya@example.com", "Priya Shah", "STAFF").await;
    let sam = person(&app, "sam@example.com", "Sam Okafor", "STAFF").await;
    let created = create_item(
        &app,
        &priya,
        json!({"title": "Spring brochure", "ownerId": priya.user.id.to_string(), "status": "IN_REVIEW",
               "needsProofing": true, "prooferId": sam.user.id.to_string(),
               "qcChecklist": [{"label": "Links"}, {"label": "Alt text"}]}),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_string();
    Setup {
        app,
        priya,
        sam,
        id,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_edits_never_conflict_and_ticks_are_saved_with_the_decision() {
    let Setup { app, sam, id, .. } = setup().await;
    // The browser in a zone other than the server's: nothing on the page may depend on it.
    let driver = Driver::start_in(Some("Asia/Kolkata")).await;
    let browser = driver.browser(Scheme::Light).await;
    browser.sign_in(&app, "sam@example.com", PASSWORD).await;
    browser.goto(&app, &format!("/work/{id}")).await;
    let start = page_version(&browser).await;

    // Priority autosaves; every form on the page now carries the new version.
    choose(&browser, "#i-priority", "High").await;
    wait_version(&browser, start + 1, "the priority to be saved").await;
    // A tick autosaves too, on top of the person's own previous save.
    browser
        .find(r#"input[type=checkbox][name=checked_0]"#)
        .await
        .click()
        .await
        .unwrap();
    wait_version(&browser, start + 2, "the tick to be saved").await;
    // A note and Request changes: the same path, the current version, no conflict.
    browser
        .find("#q-note")
        .await
        .send_keys("The fold covers the logo")
        .await
        .unwrap();
    browser
        .find(r#"button[name=decision][value=CHANGES_REQUESTED]"#)
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_js(
            30,
            "the page to show the decision",
            "return !!document.querySelector('.flash-ok[role=status]') && \
             document.querySelector('.flash-ok').textContent.includes('Changes requested');",
            vec![],
        )
        .await;
    let page = browser.text("main").await;
    assert!(!page.contains("Not saved"), "no conflict: {page}");
    assert!(
        page.contains("The fold covers the logo"),
        "the note is a comment"
    );
    let stored = item(&app, &sam, &id).await;
    assert_eq!(stored["priority"], "HIGH");
    assert_eq!(stored["proofStatus"], "CHANGES_REQUESTED");
    assert_eq!(stored["qcChecklist"][0]["checked"], true, "{stored}");

    // Back in review. Approving with an unticked entry is refused, in words, as a refusal.
    let (status, _) = call(
        &app,
        &sam,
        Method::PATCH,
        &format!("/api/work-items/{id}"),
        Some(json!({"status": "IN_REVIEW"})),
    )
    .await;
    assert!(status.is_success());
    browser.goto(&app, &format!("/work/{id}")).await;
    browser
        .find(r#"button[name=decision][value=APPROVED]"#)
        .await
        .click()
        .await
        .unwrap();
    let refused = refusal(&browser).await;
    assert!(
        refused.contains("“Alt text” is not ticked"),
        "says which entry: {refused}"
    );
    assert_eq!(item(&app, &sam, &id).await["proofStatus"], "PENDING");

    // Tick the rest and approve: the ticks stay ticked.
    browser
        .find(r#"input[type=checkbox][name=checked_1]"#)
        .await
        .click()
        .await
        .unwrap();
    browser
        .find(r#"button[name=decision][value=APPROVED]"#)
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_js(
            30,
            "the approval",
            "const f = document.querySelector('.flash-ok'); return !!f && f.textContent.includes('Proof approved');",
            vec![],
        )
        .await;
    let ticks = browser
        .js(
            "return Array.from(document.querySelectorAll('[data-checklist-entries] input[type=checkbox]')).map(b => b.checked);",
            vec![],
        )
        .await;
    assert_eq!(ticks, json!([true, true]), "every tick is still there");
    let stored = item(&app, &sam, &id).await;
    assert_eq!(stored["proofStatus"], "APPROVED");
    assert_eq!(stored["qcChecklist"][1]["checked"], true);

    browser.close().await;
    drop(driver);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_autosaves_and_a_refused_status_goes_back_with_the_reason() {
    let Setup { app, priya, id, .. } = setup().await;
    // The browser in a zone other than the server's: nothing on the page may depend on it.
    let driver = Driver::start_in(Some("America/New_York")).await;
    let browser = driver.browser(Scheme::Light).await;
    browser.sign_in(&app, "priya@example.com", PASSWORD).await;
    let path = format!("/work/{id}");
    browser.goto(&app, &path).await;
    let start = page_version(&browser).await;

    // The owner is not offered a decision on her own work.
    let buttons = browser
        .js(
            "return document.querySelectorAll('button[name=decision]').length;",
            vec![],
        )
        .await;
    assert_eq!(buttons, json!(0), "the owner sees no Approve button");

    // Waiting on / waiting for save like every other field.
    choose(&browser, "#i-waiting", "Sam Okafor").await;
    type_and_leave(&browser, "#i-reason", "Needs the final proof").await;
    wait_version(&browser, start + 1, "waiting to be saved").await;
    browser.goto(&app, &path).await;
    let kept = browser
        .js(
            "return [document.querySelector('#i-waiting').selectedOptions[0].textContent, document.querySelector('#i-reason').value];",
            vec![],
        )
        .await;
    assert_eq!(kept, json!(["Sam Okafor", "Needs the final proof"]));
    let history = browser.text("ul.history").await;
    assert!(
        history.contains("now waits on Sam Okafor: Needs the final proof"),
        "history names the person: {history}"
    );

    // Done while proofing is pending: refused, the select goes back, the reason in words.
    choose(&browser, "#i-status", "Done").await;
    let refused = refusal(&browser).await;
    assert!(
        refused.contains("Sam Okafor must approve the proof before this can be Done"),
        "{refused}"
    );
    for code in ["DONE", "PENDING", "IN_REVIEW"] {
        assert!(!refused.contains(code), "no codes: {refused}");
    }
    let shown = browser
        .js("return document.querySelector('#i-status').value;", vec![])
        .await;
    assert_eq!(shown, json!("IN_REVIEW"), "the select shows what is stored");
    let colours = browser
        .js(
            "const e = getComputedStyle(document.querySelector('.flash-error')).backgroundColor; \
             return e;",
            vec![],
        )
        .await;
    assert_ne!(
        colours,
        json!("rgba(0, 0, 0, 0)"),
        "a refusal has its own colour"
    );
    assert_eq!(item(&app, &priya, &id).await["status"], "IN_REVIEW");

    // Save on an unchanged form records nothing; a new title is recorded in words.
    let entries = || async {
        browser
            .js(
                "return document.querySelectorAll('ul.history li').length;",
                vec![],
            )
            .await
    };
    browser.goto(&app, &path).await;
    let before = entries().await;
    let version = page_version(&browser).await;
    browser
        .find("form#item-fields button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_js(
            30,
            "the Save to be answered",
            "return document.querySelector('[data-save-state]').textContent.includes('nothing changed');",
            vec![],
        )
        .await;
    assert_eq!(page_version(&browser).await, version, "nothing was saved");
    browser.goto(&app, &path).await;
    assert_eq!(entries().await, before, "no history entry for a no-op");
    type_and_leave(&browser, "#i-title", "Spring brochure v2").await;
    wait_version(&browser, version + 1, "the title to be saved").await;
    browser.goto(&app, &path).await;
    let history = browser.text("ul.history").await;
    assert!(
        history.contains("renamed it “Spring brochure v2”"),
        "{history}"
    );

    browser.close().await;
    drop(driver);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn someone_elses_change_keeps_what_this_person_typed() {
    let Setup { app, sam, id, .. } = setup().await;
    // The browser in a zone other than the server's: nothing on the page may depend on it.
    let driver = Driver::start_in(Some("Asia/Kolkata")).await;
    let (priya_browser, sam_browser) =
        tokio::join!(driver.browser(Scheme::Light), driver.browser(Scheme::Light));
    tokio::join!(
        priya_browser.sign_in(&app, "priya@example.com", PASSWORD),
        sam_browser.sign_in(&app, "sam@example.com", PASSWORD)
    );
    let path = format!("/work/{id}");
    tokio::join!(
        priya_browser.goto(&app, &path),
        sam_browser.goto(&app, &path)
    );
    let start = page_version(&priya_browser).await;
    // Priya's page must not learn of Sam's change before she saves (as on a slow network).
    priya_browser
        .js("window.dispatchEvent(new Event('pagehide'));", vec![])
        .await;

    choose(&sam_browser, "#i-priority", "Urgent").await;
    wait_version(&sam_browser, start + 1, "Sam's change to be saved").await;

    type_and_leave(&priya_browser, "#i-title", "Spring brochure, final").await;
    let notice = refusal(&priya_browser).await;
    assert!(
        notice.contains("Sam Okafor set the priority to Urgent"),
        "says who changed what: {notice}"
    );
    let shown = priya_browser
        .js(
            "return [document.querySelector('#i-title').value, document.querySelector('#i-priority').value];",
            vec![],
        )
        .await;
    assert_eq!(
        shown,
        json!(["Spring brochure, final", "URGENT"]),
        "her title is kept, his priority shown"
    );
    wait_version(
        &priya_browser,
        start + 1,
        "the page to take the new version",
    )
    .await;
    priya_browser
        .find("form#item-fields button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    wait_version(&priya_browser, start + 2, "her save to go through").await;
    let stored = item(&app, &sam, &id).await;
    assert_eq!(stored["title"], "Spring brochure, final");
    assert_eq!(stored["priority"], "URGENT");

    tokio::join!(priya_browser.close(), sam_browser.close());
    drop(driver);
    app.stop().await;
}
