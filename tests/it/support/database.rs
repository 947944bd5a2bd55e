//! Throwaway databases: a temporary SQLite file, or a new PostgreSQL database per test that
//! is dropped when the test ends (pass or fail).

use std::path::PathBuf;

use sea_orm::{ConnectionTrait, Database};
use url::Url;

/// Which database engine a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

const POSTGRES_VAR: &str = "OPS_TEST_POSTGRES_URL";

/// Whether the PostgreSQL half of a test should run. In CI a missing server URL is an error,
/// so the suite can never pass green while silently skipping half of itself.
pub fn postgres_available() -> bool {
    if std::env::var(POSTGRES_VAR).is_ok_and(|v| !v.is_empty()) {
        return true;
    }
    if std::env::var("CI").is_ok() {
        panic!(
            "CI is set but {POSTGRES_VAR} is not: the PostgreSQL half of the suite cannot run. \
             Set it, e.g. {POSTGRES_VAR}=postgres://postgres@127.0.0.1:5432/postgres"
        );
    }
    eprintln!("skipping the PostgreSQL run: {POSTGRES_VAR} is not set");
    false
}

/// A database that exists for one test.
pub struct TestDatabase {
    /// The URL the application connects to.
    pub url: String,
    /// Keeps the SQLite file's folder alive.
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub async fn create(backend: Backend) -> TestDatabase {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary folder");
                let path: PathBuf = dir.path().join("ops-test.db");
                TestDatabase {
                    url: format!("sqlite://{}", path.display()),
                    _dir: Some(dir),
                    postgres: None,
                }
            }
            Backend::Postgres => {
                let admin_url = std::env::var(POSTGRES_VAR).expect("OPS_TEST_POSTGRES_URL is set");
                let name = format!("ops_test_{}", uuid::Uuid::now_v7().simple());
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("connect to PostgreSQL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create the test database");
                admin.close().await.ok();
                let mut url = Url::parse(&admin_url).expect("OPS_TEST_POSTGRES_URL is a URL");
                url.set_path(&name);
                TestDatabase {
                    url: url.to_string(),
                    _dir: None,
                    postgres: Some((admin_url, name)),
                }
            }
        }
    }

    /// A fresh connection pool of the application's own kind to this database.
    pub async fn connect(&self) -> ops_desktop::db::Db {
        let url = ops_desktop::config::Settings::from_lookup(|name| {
            (name == "DATABASE_URL").then(|| self.url.clone())
        })
        .expect("settings")
        .database_url;
        ops_desktop::db::Db::connect(&url).await.expect("connect")
    }

    /// The SQLite file's path (SQLite only).
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        self.url.strip_prefix("sqlite://").map(PathBuf::from)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside async code, possibly inside a runtime: use a thread of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime for cleanup");
            runtime.block_on(async move {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}
