//! The application: shared state ([`App`]) and the runnable server ([`Application`]) that
//! serves HTTP and runs the job worker side by side until a shutdown signal.

use std::{
    future::Future,
    net::SocketAddr,
    sync::{Arc, OnceLock},
    time::{Duration, Instant},
};

use tokio::{net::TcpListener, sync::watch};
use tracing::{info, warn};

use crate::{
    auth::{rate_limit::RateLimits, sessions::SessionPolicy},
    config::{DatabaseUrl, Settings},
    db::{Db, MigrateError},
    email::{Mailer, mailer_from_settings},
    http,
    jobs::{JobRegistry, Worker, WorkerConfig},
    services::live::hub::LiveHub,
};

/// How long in-flight requests and the running job get after a shutdown signal. Kept under
/// the 10 seconds that orchestrators usually wait before they kill.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(8);

/// How long closing the database pool may take at the very end of a shutdown.
const POOL_CLOSE_LIMIT: Duration = Duration::from_secs(1);

/// State shared by every request handler and job.
#[derive(Clone)]
pub struct App {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub mailer: Arc<dyn Mailer>,
    pub limits: Arc<RateLimits>,
    /// Item changes heard from the database, for the open live streams.
    pub live: Arc<LiveHub>,
    /// Turns true when the process is shutting down (long-lived streams end themselves).
    pub shutdown: watch::Receiver<bool>,
}

impl App {
    pub fn session_policy(&self) -> SessionPolicy {
        SessionPolicy::from_settings(&self.settings)
    }
}

/// A server bound to its port, ready to run.
pub struct Application {
    app: App,
    listener: TcpListener,
    registry: Arc<JobRegistry>,
    worker_config: WorkerConfig,
    extra_routes: axum::Router<App>,
    shutdown_tx: watch::Sender<bool>,
}

impl Application {
    /// Connects and migrates the database, then binds `BIND_ADDR` (port 0 picks a free port).
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        Application::build_with(settings, JobRegistry::standard(), WorkerConfig::default()).await
    }

    /// Like [`Application::build`], with the job handlers and worker tuning given.
    pub async fn build_with(
        settings: Settings,
        registry: JobRegistry,
        worker_config: WorkerConfig,
    ) -> anyhow::Result<Application> {
        Application::build_with_routes(settings, registry, worker_config, axum::Router::new()).await
    }

    /// Like [`Application::build_with`], serving `extra_routes` beside the application's own
    /// (for embedding, and for tests that need a handler with controlled timing).
    pub async fn build_with_routes(
        mut settings: Settings,
        registry: JobRegistry,
        worker_config: WorkerConfig,
        extra_routes: axum::Router<App>,
    ) -> anyhow::Result<Application> {
        let db = Db::connect_with(&settings.database_url, &settings.timeouts).await?;
        db.refuse_newer().await?;
        crate::services::backups::before_migrations(&db, &settings).await?;
        db.migrate().await.map_err(|error| match error {
            MigrateError::Newer(newer) => anyhow::Error::new(newer),
            MigrateError::Db(error) => anyhow::anyhow!("migrations failed: {error}"),
        })?;
        let listener = TcpListener::bind(settings.bind_addr)
            .await
            .map_err(|error| anyhow::anyhow!("cannot listen on {}: {error}", settings.bind_addr))?;
        let local = listener.local_addr()?;
        // With port 0 (tests) the public URL must name the port actually bound.
        if settings.auth_url.port() == Some(0) {
            let _ = settings.auth_url.set_port(Some(local.port()));
        }
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let mailer = mailer_from_settings(&settings)?;
        let limits = Arc::new(RateLimits::new(settings.rate_limit_api_per_minute));
        let app = App {
            settings: Arc::new(settings),
            db,
            mailer,
            limits,
            live: Arc::new(LiveHub::default()),
            shutdown: shutdown_rx,
        };
        Ok(Application {
            app,
            listener,
            registry: Arc::new(registry),
            worker_config,
            extra_routes,
            shutdown_tx,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn app(&self) -> &App {
        &self.app
    }

    /// Serves until `shutdown` completes; then stops accepting, lets in-flight requests and
    /// the running job finish (for at most [`SHUTDOWN_GRACE`]), and closes the database.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Application {
            app,
            listener,
            registry,
            worker_config,
            extra_routes,
            shutdown_tx,
        } = self;
        let (release_tx, release_rx) = watch::channel(false);
        let worker = Worker::new(app.clone(), registry, worker_config, release_rx);
        let mut worker_task = tokio::spawn(worker.run(app.shutdown.clone()));
        // PostgreSQL pushes changes to every instance; SQLite's streams poll instead.
        let listener_task = match &app.settings.database_url {
            DatabaseUrl::Postgres { .. } => Some(tokio::spawn(app.live.clone().run_listener(
                app.db.clone(),
                app.settings.database_url.expose().to_string(),
                app.settings.timeouts.acquire,
                app.shutdown.clone(),
            ))),
            DatabaseUrl::Sqlite { .. } => None,
        };

        let router = http::router::build(app.clone(), extra_routes);
        let mut stopping = app.shutdown.clone();
        let stop_started = Arc::new(OnceLock::new());
        let signal_started = stop_started.clone();
        let signal = async move {
            shutdown.await;
            let _ = signal_started.set(Instant::now());
            info!("shutdown requested: finishing in-flight requests and the running job");
            let _ = shutdown_tx.send(true);
        };
        let server = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(signal);

        let deadline = async move {
            let _ = stopping.wait_for(|stop| *stop).await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        };
        tokio::select! {
            served = server => served?,
            _ = deadline => warn!("in-flight requests did not finish within the grace period"),
        }
        // Whatever the server left of the grace period goes to the running job.
        let elapsed = stop_started.get().map(Instant::elapsed).unwrap_or_default();
        let remaining = SHUTDOWN_GRACE
            .saturating_sub(elapsed)
            .max(Duration::from_millis(500));
        if tokio::time::timeout(remaining, &mut worker_task)
            .await
            .is_err()
        {
            // Stop the job and hand it back before the pool closes under it.
            info!("the running job did not finish within the grace period; stopping it");
            let _ = release_tx.send(true);
            if tokio::time::timeout(Duration::from_secs(2), &mut worker_task)
                .await
                .is_err()
            {
                warn!("the worker did not stop in time; its job runs again when its lease lapses");
                worker_task.abort();
            }
        }
        if let Some(task) = listener_task {
            task.abort();
        }
        let db = app.db.clone();
        drop(app);
        // Closing says goodbye on every connection; one caught in a silent network would wait
        // forever, and the process must end within the orchestrator's limit.
        match tokio::time::timeout(POOL_CLOSE_LIMIT, db.close()).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => warn!(%error, "closing the database pool"),
            Err(_) => warn!("the database did not answer while closing the pool; leaving it"),
        }
        info!("stopped");
        Ok(())
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}
