//! A screenshot of every main page, light and dark, under `target/screenshots/`,
//! taken on the demo data as its admin so every page (admin ones included) has
//! something to show, at a laptop's width and a phone's. The test also checks
//! that each page rendered (its `h1`), so a broken page fails here rather than in a picture.

use std::path::Path;

use ops_desktop::services::demo;

use crate::support::personas::PASSWORD as DEMO_PASSWORD;
use serde_json::json;

use super::driver::{Browser, Driver, Scheme, screenshot_dir};
use crate::support::{Backend, TestApp, TestOptions};

pub(super) const MORGAN: &str = "morgan@demo.opsdesktop.app";
/// A demo item with something in every panel: waiting, proofing, checklist, subtasks.
const ITEM_TITLE: &str = "Acme Co. blog: five ways to cut onboarding time";

/// `(file name, path)`; `{item}` stands for the demo item's page.
pub(super) const PAGES: &[(&str, &str)] = &[
    ("dashboard", "/"),
    ("work", "/work"),
    ("board", "/board"),
    ("item", "{item}"),
    ("new-item", "/work/new"),
    ("inbox", "/inbox"),
    ("calendar", "/calendar"),
    ("qc", "/qc"),
    ("stats", "/stats"),
    ("templates", "/templates"),
    ("cadences", "/cadences"),
    ("events", "/events"),
    ("profile", "/profile"),
    ("admin-users", "/admin/users"),
    ("admin-audit", "/admin/audit"),
    ("admin-rules", "/admin/rules"),
];

const DESKTOP_WIDTH: u32 = 1440;
/// A small laptop or a tablet on its side: the pages whose layout changes most are shot here too.
const LAPTOP_WIDTH: u32 = 1024;
const LAPTOP_PAGES: &[&str] = &["board", "calendar"];
pub(super) const PHONE_WIDTH: u32 = 390;

async fn shoot_all(app: &TestApp, browser: &Browser, scheme: Scheme, dir: &Path) -> Vec<String> {
    assert_eq!(
        browser.color_scheme().await,
        scheme,
        "the session reports the intended prefers-color-scheme"
    );
    // Signed out first: the sign-in page (demo mode lists the demo accounts).
    browser.goto(app, "/auth/signin").await;
    browser.find("#pw-email").await;
    browser
        .screenshot(dir, "signin", scheme, DESKTOP_WIDTH)
        .await;
    let mut made = vec![format!("signin-{}.png", scheme.name())];

    browser.sign_in(app, MORGAN, DEMO_PASSWORD).await;
    let item = demo_item_path(app, browser).await;

    for (name, path) in PAGES {
        let path = path.replace("{item}", &item);
        browser.goto(app, &path).await;
        assert_eq!(
            browser.path().await,
            path,
            "{name} opened without a redirect"
        );
        let heading = browser.text("main h1").await;
        assert!(!heading.trim().is_empty(), "{name} has a heading");
        browser.screenshot(dir, name, scheme, DESKTOP_WIDTH).await;
        made.push(format!("{name}-{}.png", scheme.name()));
        if LAPTOP_PAGES.contains(name) {
            let laptop = format!("{name}-1024");
            browser.screenshot(dir, &laptop, scheme, LAPTOP_WIDTH).await;
            made.push(format!("{laptop}-{}.png", scheme.name()));
        }
        let phone = format!("{name}-phone");
        browser.screenshot(dir, &phone, scheme, PHONE_WIDTH).await;
        made.push(format!("{phone}-{}.png", scheme.name()));
    }
    made
}

/// The path of the demo item with something in every panel, found on the work list.
pub(super) async fn demo_item_path(app: &TestApp, browser: &Browser) -> String {
    browser.goto(app, "/work").await;
    let item = browser
        .js(
            "const a = Array.from(document.querySelectorAll('a[href^=\"/work/\"]')) \
               .find((l) => l.textContent.trim().endsWith(' ' + arguments[0])); \
             return a ? a.getAttribute('href') : null;",
            vec![json!(ITEM_TITLE)],
        )
        .await;
    item.as_str()
        .unwrap_or_else(|| panic!("the work list links to “{ITEM_TITLE}”"))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_main_page_light_and_dark() {
    let started = std::time::Instant::now();
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        TestOptions {
            env: vec![
                ("DEMO_MODE".into(), "true".into()),
                ("RATE_LIMIT_SIGNIN_PER_MINUTE".into(), "100".into()),
            ],
            ..TestOptions::default()
        },
    )
    .await;
    demo::seed(app.db(), crate::support::personas::PASSWORD)
        .await
        .expect("demo data");
    let dir = screenshot_dir();
    let driver = Driver::start().await;
    let (light, dark) = tokio::join!(driver.browser(Scheme::Light), driver.browser(Scheme::Dark));

    let (light_files, dark_files) = tokio::join!(
        shoot_all(&app, &light, Scheme::Light, &dir),
        shoot_all(&app, &dark, Scheme::Dark, &dir)
    );
    tokio::join!(light.close(), dark.close());
    drop(driver);

    for file in light_files.iter().chain(&dark_files) {
        let size = std::fs::metadata(dir.join(file))
            .map(|m| m.len())
            .unwrap_or(0);
        assert!(size > 1000, "{file} was written ({size} bytes)");
    }
    eprintln!(
        "{} screenshots in {} ({:?})",
        light_files.len() + dark_files.len(),
        dir.display(),
        started.elapsed()
    );
}
