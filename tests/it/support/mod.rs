//! The test harness: backends, throwaway databases, the spawned application, and a TCP
//! proxy for simulating a database outage without touching the shared PostgreSQL server.

pub mod app;
pub mod database;
pub mod ghl;
pub mod ghl_mock;
pub mod outage;
pub mod personas;
pub mod process;
pub mod proxy;
pub mod smtp;
pub mod snapshot;
pub mod work;

pub use app::{TestApp, TestOptions};
pub use database::{Backend, TestDatabase};

/// Declares each named `async fn(Backend)` as two tests: `<name>::sqlite` and
/// `<name>::postgres`. The PostgreSQL one is skipped (with a note) when
/// `OPS_TEST_POSTGRES_URL` is not set, and fails when `CI` is set without it.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::support::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if $crate::support::database::postgres_available() {
                    super::$name($crate::support::Backend::Postgres).await
                }
            }
        }
    )+};
}

/// Polls `check` every 25 ms until it is true or `seconds` pass; panics with `what` on timeout.
pub async fn wait_until<F, Fut>(seconds: u64, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("timed out after {seconds}s waiting for {what}");
}
