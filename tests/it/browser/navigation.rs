//! Clicking through the app quickly must never stall a page load. Every signed-in page opens
//! an `EventSource` on `/api/stream`; Chrome keeps a page it navigated away from in its
//! back/forward cache with that connection still open, so after six pages HTTP/1.1's limit of
//! six connections per host is used up and the seventh page waits about 60 s for a slot.
//! app.js must close the stream on `pagehide` (and reopen it on `pageshow` when the page comes
//! back from that cache). This test browses as a person does: back/forward cache on.

use std::time::{Duration, Instant};

use ops_desktop::services::demo;

use crate::support::personas::PASSWORD as DEMO_PASSWORD;

use super::driver::{Driver, Scheme};
use crate::support::{Backend, TestApp};

/// Far above a normal load (well under a second here) and far below the 60 s stall.
const SLOW: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_loads_never_wait_behind_live_update_streams() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    demo::seed(app.db(), crate::support::personas::PASSWORD)
        .await
        .expect("demo data");
    let driver = Driver::start().await;
    let browser = driver.browser(Scheme::Light).await;
    browser
        .sign_in(&app, "morgan@demo.opsdesktop.app", DEMO_PASSWORD)
        .await;
    let pages = [
        "/work",
        "/board",
        "/inbox",
        "/calendar",
        "/qc",
        "/stats",
        "/templates",
        "/profile",
        "/work",
    ];
    for path in pages {
        let started = Instant::now();
        browser.goto(&app, path).await;
        let took = started.elapsed();
        assert!(
            took < SLOW,
            "{path} took {took:?} to load: earlier pages' live-update streams still hold the connections"
        );
    }
    browser.close().await;
}
