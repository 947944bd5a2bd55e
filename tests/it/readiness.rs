//! Readiness: 200 only while the database answers and is fully migrated.

use reqwest::StatusCode;
use sea_orm_migration::MigratorTrait;
use serde_json::Value;
use url::Url;

use crate::{
    on_both_backends,
    support::{Backend, TestApp, TestDatabase, TestOptions, database, proxy::TcpProxy, wait_until},
};

async fn readiness_goes_503_while_migrations_are_pending(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);

    ops_desktop::db::Migrator::down(app.db().conn(), Some(1))
        .await
        .unwrap();
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "database migrations are pending");
    assert_eq!(
        app.get("/healthz").await.status(),
        StatusCode::OK,
        "still alive"
    );

    app.db().migrate().await.unwrap();
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
    app.stop().await;
}

on_both_backends!(readiness_goes_503_while_migrations_are_pending);

/// PostgreSQL becomes unreachable (the proxy in front of it cuts every connection) and then
/// comes back: readiness follows, and liveness never wavers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_follows_postgres_going_away_and_coming_back() {
    if !database::postgres_available() {
        return;
    }
    let test_database = std::sync::Arc::new(TestDatabase::create(Backend::Postgres).await);
    let direct = Url::parse(&test_database.url).unwrap();
    let target = format!(
        "{}:{}",
        direct.host_str().unwrap(),
        direct.port().unwrap_or(5432)
    );
    let proxy = TcpProxy::start(target).await;
    let mut through_proxy = direct.clone();
    through_proxy.set_host(Some("127.0.0.1")).unwrap();
    through_proxy.set_port(Some(proxy.address.port())).unwrap();

    let app = TestApp::spawn_on(
        test_database,
        TestOptions {
            database_url_override: Some(through_proxy.to_string()),
            ..TestOptions::default()
        },
    )
    .await;
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);

    proxy.cut();
    wait_until(20, "readiness to report the outage", || async {
        app.get("/readyz").await.status() == StatusCode::SERVICE_UNAVAILABLE
    })
    .await;
    let body: Value = app.get("/readyz").await.json().await.unwrap();
    assert_eq!(body["error"], "database unavailable");
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);

    proxy.restore();
    wait_until(20, "readiness to recover", || async {
        app.get("/readyz").await.status() == StatusCode::OK
    })
    .await;
    app.stop().await;
}
