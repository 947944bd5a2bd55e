//! `TestApp`: the real application on port 0 with a fresh database and a cookie-keeping
//! HTTP client, stopped gracefully when the test is done with it.

use std::{collections::HashMap, sync::Arc, time::Duration};

use ops_desktop::{
    app::{App, Application},
    config::Settings,
    db::Db,
    jobs::{JobRegistry, WorkerConfig},
};
use tokio::{sync::oneshot, task::JoinHandle};

use super::database::{Backend, TestDatabase};

/// Everything a test may vary about the application it starts.
pub struct TestOptions {
    pub registry: JobRegistry,
    pub worker: WorkerConfig,
    pub extra_routes: axum::Router<App>,
    /// Extra environment variables (`DATABASE_URL` and `BIND_ADDR` are set by the harness).
    pub env: Vec<(String, String)>,
    /// Connect to this URL instead of the test database's (e.g. through a proxy).
    pub database_url_override: Option<String>,
}

impl Default for TestOptions {
    fn default() -> Self {
        TestOptions {
            registry: JobRegistry::standard(),
            // Quick polling keeps tests fast; short backoff keeps retries observable.
            worker: WorkerConfig {
                poll_interval: Duration::from_millis(25),
                base_backoff: Duration::from_millis(100),
                ..WorkerConfig::default()
            },
            extra_routes: axum::Router::new(),
            env: Vec::new(),
            database_url_override: None,
        }
    }
}

/// A running application.
pub struct TestApp {
    pub base_url: String,
    pub client: reqwest::Client,
    pub app: App,
    pub database: Arc<TestDatabase>,
    /// Keeps the data folder (outbox, backups) alive for the test's duration.
    data_dir: Arc<tempfile::TempDir>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    /// Starts the application on a fresh database of `backend`.
    pub async fn spawn(backend: Backend) -> TestApp {
        TestApp::spawn_with(backend, TestOptions::default()).await
    }

    pub async fn spawn_with(backend: Backend, options: TestOptions) -> TestApp {
        let database = Arc::new(TestDatabase::create(backend).await);
        TestApp::spawn_on(database, options).await
    }

    /// Starts another instance on an existing test database (several instances, one database).
    pub async fn spawn_on(database: Arc<TestDatabase>, options: TestOptions) -> TestApp {
        let data_dir = Arc::new(tempfile::tempdir().expect("temporary data folder"));
        let mut env: HashMap<String, String> = HashMap::from([
            (
                "DATABASE_URL".to_string(),
                options
                    .database_url_override
                    .clone()
                    .unwrap_or_else(|| database.url.clone()),
            ),
            ("BIND_ADDR".to_string(), "127.0.0.1:0".to_string()),
            (
                "OPS_DATA_DIR".to_string(),
                data_dir.path().display().to_string(),
            ),
            ("LOG_LEVEL".to_string(), "warn".to_string()),
        ]);
        env.extend(options.env);
        let settings = Settings::from_map(&env).unwrap_or_else(|report| panic!("{report}"));
        let application = Application::build_with_routes(
            settings,
            options.registry,
            options.worker,
            options.extra_routes,
        )
        .await
        .expect("the application starts");
        let base_url = format!("http://{}", application.local_addr());
        let app = application.app().clone();
        let (shutdown, stop) = oneshot::channel::<()>();
        let server = tokio::spawn(application.run_until_stopped(async move {
            let _ = stop.await;
        }));
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("HTTP client");
        TestApp {
            base_url,
            client,
            app,
            database,
            data_dir,
            shutdown: Some(shutdown),
            server: Some(server),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// The application's data folder (the development outbox lives in `outbox/`).
    pub fn data_dir(&self) -> &std::path::Path {
        self.data_dir.path()
    }

    pub fn db(&self) -> &Db {
        &self.app.db
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request is sent")
    }

    /// Signals shutdown and waits for the server to stop; returns how long that took.
    pub async fn stop(mut self) -> Duration {
        let started = std::time::Instant::now();
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            server
                .await
                .expect("the server task did not panic")
                .expect("the server stopped cleanly");
        }
        started.elapsed()
    }

    /// Triggers shutdown without waiting (the server task keeps running until it is done).
    pub fn begin_shutdown(&mut self) -> JoinHandle<anyhow::Result<()>> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.server.take().expect("the server is running")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
