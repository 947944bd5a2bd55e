//! The command palette, driven with the keyboard alone: Ctrl-K opens it with focus in its
//! input, typing a key or words finds the item, arrows and Enter open it; on the item page the
//! palette sets status, owner, "assign to me", waiting and the due date through the page's own
//! autosave (checked through the API); Tab stays inside, Esc closes and gives focus back, `?`
//! lists the shortcuts. Screenshots of the open palette in both schemes, desktop and phone.

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use reqwest::Method;
use serde_json::{Value, json};

use super::driver::{Browser, Driver, Scheme, screenshot_dir};
use crate::support::{
    Backend, TestApp,
    personas::{self, PASSWORD, Persona},
    work::{call, create_item},
};

/// Presses `keys` one after another, holding `modifier` (if any) throughout, as a person
/// types: the keys go to whatever has focus.
async fn press(browser: &Browser, modifier: Option<Key>, keys: &str) {
    let mut actions = KeyActions::new("keyboard".into());
    if let Some(modifier) = modifier {
        actions = actions.then(KeyAction::Down {
            value: modifier.into(),
        });
    }
    for key in keys.chars() {
        actions = actions
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
    }
    if let Some(modifier) = modifier {
        actions = actions.then(KeyAction::Up {
            value: modifier.into(),
        });
    }
    browser
        .client
        .perform_actions(actions)
        .await
        .expect("keys are pressed");
}

async fn tap(browser: &Browser, key: Key) {
    press(browser, None, &char::from(key).to_string()).await;
}

async fn open_palette(browser: &Browser) {
    press(browser, Some(Key::Control), "k").await;
    browser
        .wait_js(
            5,
            "the palette to open with focus in its input",
            "return document.activeElement && document.activeElement.classList.contains('palette-input') \
             && !document.querySelector('.palette-backdrop').hidden;",
            vec![],
        )
        .await;
}

/// Waits until the highlighted option's text contains `text`.
async fn wait_chosen(browser: &Browser, text: &str) {
    browser
        .wait_js(
            10,
            &format!("“{text}” to be the chosen option"),
            "const o = document.querySelector('.palette-list [aria-selected=true]'); \
             return !!o && o.textContent.includes(arguments[0]);",
            vec![json!(text)],
        )
        .await;
}

async fn item(app: &TestApp, who: &Persona, key: &str) -> Value {
    call(
        app,
        who,
        Method::GET,
        &format!("/api/work-items/{key}"),
        None,
    )
    .await
    .1["data"]
        .clone()
}

async fn wait_item(
    app: &TestApp,
    who: &Persona,
    key: &str,
    what: &str,
    check: impl Fn(&Value) -> bool,
) {
    for _ in 0..200 {
        if check(&item(app, who, key).await) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{what}: {}", item(app, who, key).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_palette_finds_and_acts_from_the_keyboard() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let sam = personas::staff(&app).await;
    let ada = personas::admin(&app).await;
    let target = create_item(&app, &sam, json!({"title": "Palette target"})).await;
    create_item(
        &app,
        &sam,
        json!({"title": "Something else", "tags": ["spring"]}),
    )
    .await;
    let key = target["key"].as_str().unwrap().to_string();
    let driver = Driver::start().await;
    let browser = driver.browser(Scheme::Light).await;
    browser.sign_in(&app, &sam.user.email, PASSWORD).await;

    // Jump by key from the board.
    browser.goto(&app, "/board").await;
    open_palette(&browser).await;
    press(&browser, None, &key).await;
    wait_chosen(&browser, "Palette target").await;
    key_enter(&browser).await;
    browser
        .wait_path("opening the item from the palette", |p| {
            p == format!("/work/{key}")
        })
        .await;

    // Words find it too; arrows move the choice.
    open_palette(&browser).await;
    press(&browser, None, "something").await;
    wait_chosen(&browser, "Something else").await;
    tap(&browser, Key::Escape).await;

    // Actions on the item page, through the page's autosave.
    open_palette(&browser).await;
    press(&browser, None, "status").await;
    wait_chosen(&browser, "Set status").await;
    key_enter(&browser).await;
    press(&browser, None, "progress").await;
    wait_chosen(&browser, "In progress").await;
    key_enter(&browser).await;
    wait_item(&app, &sam, &key, "status set from the palette", |i| {
        i["status"] == "IN_PROGRESS"
    })
    .await;

    open_palette(&browser).await;
    press(&browser, None, "assign to me").await;
    wait_chosen(&browser, "Assign to me").await;
    key_enter(&browser).await;
    let me = sam.user.id.to_string();
    wait_item(&app, &sam, &key, "assigned to me", |i| {
        i["ownerId"] == me.as_str()
    })
    .await;

    open_palette(&browser).await;
    press(&browser, None, "due").await;
    wait_chosen(&browser, "Set due date").await;
    key_enter(&browser).await;
    press(&browser, None, "2027-03-04").await;
    key_enter(&browser).await;
    wait_item(&app, &sam, &key, "due date set", |i| {
        i["dueAt"]
            .as_str()
            .is_some_and(|d| d.starts_with("2027-03-0"))
    })
    .await;

    open_palette(&browser).await;
    press(&browser, None, "waiting").await;
    wait_chosen(&browser, "Waiting on").await;
    key_enter(&browser).await;
    press(&browser, None, "ada").await;
    wait_chosen(&browser, "ada").await;
    key_enter(&browser).await;
    browser
        .wait_js(
            5,
            "the reason prompt",
            "return document.activeElement.placeholder.startsWith('What is');",
            vec![],
        )
        .await;
    press(&browser, None, "Sign-off").await;
    key_enter(&browser).await;
    let waiting_on = ada.user.id.to_string();
    wait_item(&app, &sam, &key, "waiting on Ada", |i| {
        i["waitingOnUserId"] == waiting_on.as_str() && i["waitingReason"] == "Sign-off"
    })
    .await;

    // Tab stays inside; Esc closes and gives focus back; `?` lists the shortcuts.
    open_palette(&browser).await;
    tap(&browser, Key::Tab).await;
    tap(&browser, Key::Tab).await;
    assert_eq!(
        browser
            .js(
                "return document.activeElement.classList.contains('palette-input');",
                vec![]
            )
            .await,
        json!(true)
    );
    assert_eq!(
        browser
            .js(
                "return document.querySelector('.palette').getAttribute('role');",
                vec![]
            )
            .await,
        json!("dialog")
    );
    tap(&browser, Key::Escape).await;
    browser
        .wait_js(
            5,
            "the palette to close",
            "return document.querySelector('.palette-backdrop').hidden \
             && !document.activeElement.classList.contains('palette-input');",
            vec![],
        )
        .await;
    press(&browser, None, "?").await;
    browser
        .wait_js(
            5,
            "the shortcut list",
            "const d = document.getElementById('shortcuts'); \
             return !d.hidden && d.textContent.includes('command palette');",
            vec![],
        )
        .await;
    browser.close().await;

    // How it looks, open on the item page with results.
    let dir = screenshot_dir();
    for scheme in [Scheme::Light, Scheme::Dark] {
        let browser = driver.browser(scheme).await;
        browser.sign_in(&app, &sam.user.email, PASSWORD).await;
        browser.goto(&app, &format!("/work/{key}")).await;
        for (width, name) in [(1440, "palette"), (390, "palette-phone")] {
            browser.client.set_window_size(width, 900).await.unwrap();
            open_palette(&browser).await;
            press(&browser, None, "s").await;
            wait_chosen(&browser, "Set status").await;
            browser.screenshot(&dir, name, scheme, width).await;
            tap(&browser, Key::Escape).await;
        }
        browser.close().await;
    }
    app.stop().await;
}

async fn key_enter(browser: &Browser) {
    tap(browser, Key::Enter).await;
}
