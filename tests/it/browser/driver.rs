//! Debian's `chromedriver` and headless Chromium, driven with `fantoccini`.
//!
//! One [`Driver`] per test starts `chromedriver` on a free port; each [`Browser`] is a separate
//! WebDriver session (its own Chromium, cookie jar and fresh profile folder), so two people can
//! be signed in side by side. The driver runs in its own process group, and its `Drop` kills that
//! group: a failing test leaves neither chromedriver nor a Chromium behind.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use fantoccini::{Client, ClientBuilder, Locator, elements::Element};
use serde_json::{Value, json};

use crate::support::{TestApp, process::free_port};

/// Where Debian's packages put the two programs; `CHROMEDRIVER` / `CHROMIUM` override them.
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// The colour scheme a session reports to pages as `prefers-color-scheme`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Light,
    Dark,
}

impl Scheme {
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Light => "light",
            Scheme::Dark => "dark",
        }
    }
}

/// A running `chromedriver`, killed (with every Chromium it started) when dropped.
pub struct Driver {
    url: String,
    child: Child,
}

impl Driver {
    /// Starts chromedriver and waits until it accepts sessions. Fails loudly when Chromium is
    /// not installed: these tests must never be skipped without anyone noticing.
    pub async fn start() -> Driver {
        Driver::start_in(None).await
    }

    /// Like [`Driver::start`], with every browser it opens living in time zone `tz` (an IANA
    /// name): Chromium takes its zone from the `TZ` variable of its process.
    pub async fn start_in(tz: Option<&str>) -> Driver {
        let driver = program("CHROMEDRIVER", CHROMEDRIVER);
        let chromium = program("CHROMIUM", CHROMIUM);
        for path in [&driver, &chromium] {
            assert!(
                path.exists(),
                "{} is missing: the browser tests need Debian's Chromium and its driver \
                 (`apt-get install -y --no-install-recommends chromium chromium-driver`, as .ci/run does)",
                path.display()
            );
        }
        let port = free_port();
        let mut command = Command::new(&driver);
        command
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(tz) = tz {
            command.env("TZ", tz);
        }
        // Its own process group, so Drop can end chromedriver and its browsers together.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command.spawn().expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let started = Driver { url, child };
        started.wait_ready().await;
        started
    }

    async fn wait_ready(&self) {
        let status = format!("{}/status", self.url);
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(response) = client.get(&status).send().await
                && let Ok(body) = response.json::<Value>().await
                && body["value"]["ready"] == json!(true)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "chromedriver did not become ready on {} within 10 s",
            self.url
        );
    }

    /// Opens a new Chromium session with a fresh profile.
    pub async fn browser(&self, scheme: Scheme) -> Browser {
        let profile = tempfile::tempdir().expect("a profile folder");
        let mut args = vec![
            "--headless".to_string(),
            "--no-sandbox".to_string(),
            "--disable-gpu".to_string(),
            "--disable-dev-shm-usage".to_string(),
            "--disable-background-networking".to_string(),
            "--disable-component-update".to_string(),
            "--disable-sync".to_string(),
            "--no-first-run".to_string(),
            "--disable-quic".to_string(),
            "--window-size=1280,900".to_string(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        if scheme == Scheme::Dark {
            // Chromium 156 reports `prefers-color-scheme: dark` with this flag (checked in
            // `Browser::color_scheme`); it does not recolour pages itself.
            args.push("--force-dark-mode".to_string());
        }
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": program("CHROMIUM", CHROMIUM),
                "args": args,
            },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        // Plain HTTP to a local driver: no TLS stack needed.
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .unwrap_or_else(|error| panic!("a Chromium session starts: {error}"));
        Browser {
            client,
            _profile: profile,
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The negative id names the process group started above: chromedriver and its browsers.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn program(variable: &str, default: &str) -> PathBuf {
    std::env::var_os(variable)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default))
}

/// One browser session (one person at one screen).
pub struct Browser {
    pub client: Client,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn goto(&self, app: &TestApp, path: &str) {
        self.client
            .goto(&app.url(path))
            .await
            .unwrap_or_else(|error| panic!("opening {path}: {error}"));
    }

    /// The current path (and query), e.g. `/work/…`.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current URL");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        }
    }

    pub async fn find(&self, css: &str) -> Element {
        let found = self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await;
        match found {
            Ok(element) => element,
            Err(error) => panic!("finding `{css}` on {}: {error}", self.path().await),
        }
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("element text")
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|error| panic!("script failed: {error}\n{script}"))
    }

    /// Polls `condition` (a script returning a boolean) until it holds or `seconds` pass.
    pub async fn wait_js(&self, seconds: u64, what: &str, condition: &str, args: Vec<Value>) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
        loop {
            if self.js(condition, args.clone()).await == json!(true) {
                return;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("timed out after {seconds}s waiting for {what}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the browser is on `path` (after a form post and its redirect).
    pub async fn wait_path(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        // Generous: under a full parallel test run the machine is busy, not the app slow.
        for _ in 0..600 {
            let path = self.path().await;
            if check(&path) {
                return path;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{what}: still on {}", self.path().await);
    }

    /// Signs in through the password form, as a person would type it.
    pub async fn sign_in(&self, app: &TestApp, email: &str, password: &str) {
        self.goto(app, "/auth/signin").await;
        self.find("#pw-email").await.send_keys(email).await.unwrap();
        self.find("#pw-password")
            .await
            .send_keys(password)
            .await
            .unwrap();
        self.find(r#"form[action="/auth/signin/password"] button[type=submit]"#)
            .await
            .click()
            .await
            .unwrap();
        self.wait_path(&format!("signing in as {email}"), |p| p == "/")
            .await;
    }

    /// `prefers-color-scheme` as the page sees it.
    pub async fn color_scheme(&self) -> Scheme {
        let dark = self
            .js(
                "return matchMedia('(prefers-color-scheme: dark)').matches;",
                vec![],
            )
            .await;
        if dark == json!(true) {
            Scheme::Dark
        } else {
            Scheme::Light
        }
    }

    /// Saves the whole page (the window grown to the page's height) as `<dir>/<name>-<scheme>.png`.
    pub async fn screenshot(&self, dir: &Path, name: &str, scheme: Scheme, width: u32) {
        // Measure at a normal window height: a tall window would make the page look as tall.
        self.client
            .set_window_size(width, 900)
            .await
            .expect("resizing the window");
        // The page's height, and how much of the window is not viewport (headless has some).
        let sizes = self
            .js(
                "return [Math.ceil(document.documentElement.scrollHeight), outerHeight - innerHeight];",
                vec![],
            )
            .await;
        let page = sizes[0].as_u64().unwrap_or(900).clamp(600, 4000) as u32;
        let frame = sizes[1].as_u64().unwrap_or(0).min(400) as u32;
        // WebDriver shoots only the viewport, so the viewport is made as tall as the page.
        self.client
            .set_window_size(width, page + frame)
            .await
            .expect("resizing the window");
        let png = self.client.screenshot().await.expect("a screenshot");
        let file = dir.join(format!("{name}-{}.png", scheme.name()));
        std::fs::write(&file, png).unwrap_or_else(|e| panic!("writing {}: {e}", file.display()));
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

/// `target/screenshots/` of this workspace (created if missing).
pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("creating target/screenshots");
    dir
}
