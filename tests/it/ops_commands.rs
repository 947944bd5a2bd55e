//! The commands an operator and a container runtime use: `--version` names the release and
//! its commit, and `healthcheck` follows the server's readiness (0 only while it is ready).

use std::process::Output;

use sea_orm_migration::MigratorTrait;

use crate::{
    on_both_backends,
    support::{Backend, TestApp, process},
};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `ops-desktop healthcheck` with `BIND_ADDR` set, off the async workers so the server
/// under test keeps answering while the command waits for it.
async fn healthcheck(bind_addr: String) -> Output {
    tokio::task::spawn_blocking(move || {
        let dir = tempfile::tempdir().unwrap();
        process::run(
            dir.path(),
            &[("BIND_ADDR", &bind_addr)],
            &["healthcheck", "--timeout", "5"],
            "",
        )
    })
    .await
    .unwrap()
}

#[test]
fn version_names_the_release_and_a_commit_of_this_repository() {
    let dir = tempfile::tempdir().unwrap();
    let output = process::run(dir.path(), &[], &["--version"], "");
    assert!(output.status.success());
    let line = text(&output.stdout);
    let expected_start = format!("ops-desktop {} (commit ", env!("CARGO_PKG_VERSION"));
    assert!(line.starts_with(&expected_start), "{line}");
    let commit = line
        .trim()
        .strip_prefix(&expected_start)
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("a commit in parentheses: {line}"));
    // Built from a git checkout (as here), the commit is one git knows; without git it says so.
    let known = std::process::Command::new("git")
        .args(["rev-parse", "--verify", "--quiet"])
        .arg(format!("{commit}^{{commit}}"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .map(|out| out.status.success())
        .unwrap_or(false);
    let in_git = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".git")
        .exists();
    if in_git {
        assert!(known, "`{commit}` is a commit of this repository");
    } else {
        assert_eq!(commit, "unknown");
    }
}

async fn healthcheck_follows_readiness_and_fails_on_a_dead_port(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let port = url::Url::parse(&app.base_url).unwrap().port().unwrap();

    // A server bound to every interface is asked on loopback.
    let ready = healthcheck(format!("0.0.0.0:{port}")).await;
    assert_eq!(ready.status.code(), Some(0), "{}", text(&ready.stderr));
    assert!(text(&ready.stdout).contains("/readyz"));

    // Alive but not ready (a migration pending): unhealthy.
    ops_desktop::db::Migrator::down(app.db().conn(), Some(1))
        .await
        .unwrap();
    let pending = healthcheck(format!("127.0.0.1:{port}")).await;
    assert_eq!(pending.status.code(), Some(1));
    assert!(
        text(&pending.stderr).contains("503"),
        "{}",
        text(&pending.stderr)
    );
    app.db().migrate().await.unwrap();
    let again = healthcheck(format!("127.0.0.1:{port}")).await;
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    app.stop().await;

    // Nothing listening: unhealthy, with the reason.
    let dead = healthcheck(format!("127.0.0.1:{}", process::free_port())).await;
    assert_eq!(dead.status.code(), Some(1));
    assert!(
        text(&dead.stderr).contains("unhealthy"),
        "{}",
        text(&dead.stderr)
    );
}

on_both_backends!(healthcheck_follows_readiness_and_fails_on_a_dead_port);
