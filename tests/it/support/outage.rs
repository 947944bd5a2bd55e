//! Making the database unavailable to a running application, on either backend.
//!
//! PostgreSQL sits behind a [`TcpProxy`] that can cut or black-hole the link. SQLite has no
//! link; it is made unavailable the way it is in production: another connection holds the
//! write lock (a long migration, a backup tool, a stuck process), so every write waits for
//! the busy timeout and then fails. Reads still work there, as they do under WAL.

use std::sync::Arc;

use ops_desktop::db::WriteTxn;

use super::{Backend, TestApp, TestDatabase, TestOptions, proxy::TcpProxy};

/// Switches a database outage on and off.
pub struct OutageSwitch {
    proxy: Option<TcpProxy>,
    database: Arc<TestDatabase>,
    lock: Option<(ops_desktop::db::Db, WriteTxn)>,
}

impl OutageSwitch {
    /// A fresh database of `backend` with the switch in front of it, and the URL the
    /// application should connect to.
    pub async fn new(backend: Backend) -> (OutageSwitch, String) {
        let database = Arc::new(TestDatabase::create(backend).await);
        let (proxy, url) = match backend {
            Backend::Postgres => {
                let (proxy, url) = TcpProxy::in_front_of(&database).await;
                (Some(proxy), url)
            }
            Backend::Sqlite => (None, database.url.clone()),
        };
        let switch = OutageSwitch {
            proxy,
            database,
            lock: None,
        };
        (switch, url)
    }

    /// Starts the application behind the switch, with `env` added to its settings.
    pub async fn spawn(backend: Backend, env: &[(&str, &str)]) -> (TestApp, OutageSwitch) {
        let (switch, url) = OutageSwitch::new(backend).await;
        let app = TestApp::spawn_on(
            switch.database.clone(),
            TestOptions {
                database_url_override: Some(url),
                env: env
                    .iter()
                    .map(|(name, value)| (name.to_string(), value.to_string()))
                    .collect(),
                ..TestOptions::default()
            },
        )
        .await;
        (app, switch)
    }

    /// The database behind the switch (connect to it directly, not through the switch).
    pub fn database(&self) -> &TestDatabase {
        &self.database
    }

    pub fn is_postgres(&self) -> bool {
        self.proxy.is_some()
    }

    /// The database refuses: PostgreSQL's link is cut, SQLite's write lock is taken.
    pub async fn begin(&mut self) {
        match &self.proxy {
            Some(proxy) => proxy.cut(),
            None => self.take_sqlite_write_lock().await,
        }
    }

    /// The database goes silent: PostgreSQL's link swallows everything and answers nothing;
    /// SQLite's write lock is taken (a lock is SQLite's only way to make a caller wait).
    pub async fn black_hole(&mut self) {
        match &self.proxy {
            Some(proxy) => proxy.black_hole(),
            None => self.take_sqlite_write_lock().await,
        }
    }

    /// The database is back.
    pub async fn end(&mut self) {
        if let Some(proxy) = &self.proxy {
            proxy.restore();
        }
        if let Some((db, lock)) = self.lock.take() {
            lock.rollback().await.expect("release the write lock");
            db.close().await.ok();
        }
    }

    async fn take_sqlite_write_lock(&mut self) {
        let db = self.database.connect().await;
        let lock = db.begin_write().await.expect("take the write lock");
        self.lock = Some((db, lock));
    }
}
