//! "Confirm it's you" in a real browser: an API token asked for eleven minutes after signing in
//! shows the confirmation step with the typed name kept; the password completes it and the new
//! token is shown.

use serde_json::json;

use super::{
    driver::{Driver, Scheme, screenshot_dir},
    item_page::person,
};
use crate::{
    reauth::age_sign_in,
    support::{Backend, TestApp, personas::PASSWORD},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_sign_in_confirms_with_the_password_and_keeps_the_typed_name() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let priya = person(&app, "priya@example.com", "Priya Shah", "STAFF").await;
    let driver = Driver::start().await;
    let browser = driver.browser(Scheme::Light).await;
    browser.sign_in(&app, "priya@example.com", PASSWORD).await;
    age_sign_in(&app, &priya.user, 11).await;

    browser.goto(&app, "/profile").await;
    let name = browser.find("#token-name").await;
    name.send_keys("Reporting script").await.unwrap();
    browser
        .find("form[action='/profile/tokens'] button[type=submit]")
        .await
        .click()
        .await
        .unwrap();

    let heading = browser.text("#confirm-title").await;
    assert!(heading.contains("Confirm it"), "{heading}");
    let kept = browser
        .js(
            "const f = document.querySelector('.confirm-step form'); \
             return [f.getAttribute('action'), f.querySelector('input[name=name]').value];",
            vec![],
        )
        .await;
    assert_eq!(kept, json!(["/profile/tokens", "Reporting script"]));
    browser
        .screenshot(&screenshot_dir(), "confirm-step", Scheme::Light, 1280)
        .await;

    browser
        .find("#confirm-password")
        .await
        .send_keys(PASSWORD)
        .await
        .unwrap();
    browser
        .find(".confirm-step button[value=password]")
        .await
        .click()
        .await
        .unwrap();
    let token = browser.text("#new-token").await;
    assert!(token.starts_with("ops_pat_"), "{token}");
    let listed = browser
        .js(
            "return document.body.innerText.includes('Reporting script');",
            vec![],
        )
        .await;
    assert_eq!(listed, json!(true));
    browser.close().await;
    app.stop().await;
}
