//! Demo people never have a password from the source: each seeding picks a random one and
//! prints it once; production refuses demo data, and a server reachable from other machines
//! gets it only with `DEMO_MODE=true`. Production also refuses to start with unsafe settings.

use std::{process::Stdio, time::Duration};

use ops_desktop::{auth::passwords, domain::user::Email, services::users};

use crate::{
    on_both_backends,
    support::{Backend, TestDatabase, process},
};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The password a seeding run printed.
fn printed_password(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|line| line.strip_prefix("Every demo account's password is: "))
        .unwrap_or_else(|| panic!("a printed password in:\n{stdout}"))
        .trim()
        .to_string()
}

async fn admin_hash(database: &TestDatabase) -> Option<String> {
    let db = database.connect().await;
    db.migrate().await.unwrap();
    let email = Email::parse("morgan@demo.opsdesktop.app").unwrap();
    let admin = users::find_by_email(db.conn(), &email).await.unwrap();
    db.close().await.unwrap();
    admin.map(|a| a.password_hash.expect("demo people have a password"))
}

async fn seed_demo_prints_a_fresh_random_password_once(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let mut passwords_seen = Vec::new();
    for _ in 0..2 {
        let database = TestDatabase::create(backend).await;
        let env = [("DATABASE_URL", database.url.as_str())];
        let first = process::run(dir.path(), &env, &["seed-demo"], "");
        assert!(first.status.success(), "{}", text(&first.stderr));
        let password = printed_password(&text(&first.stdout));
        assert!(password.len() >= 20, "a long random password: {password}");
        let hash = admin_hash(&database).await.expect("the demo admin exists");
        assert!(passwords::verify_password(&password, &hash));
        assert!(!passwords::verify_password("demo-desk-2026", &hash));
        let again = process::run(dir.path(), &env, &["seed-demo"], "");
        assert!(
            !text(&again.stdout).contains("password is"),
            "a second run shows no password: it was not set again"
        );
        passwords_seen.push(password);
    }
    assert_ne!(
        passwords_seen[0], passwords_seen[1],
        "every installation its own"
    );
}

async fn seed_demo_needs_demo_mode_off_loopback_and_never_runs_in_production(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::create(backend).await;
    let url = database.url.as_str();
    let public = process::run(
        dir.path(),
        &[("DATABASE_URL", url), ("BIND_ADDR", "0.0.0.0:3000")],
        &["seed-demo"],
        "",
    );
    assert!(!public.status.success());
    assert!(
        text(&public.stderr).contains("DEMO_MODE=true"),
        "{}",
        text(&public.stderr)
    );
    let production = process::run(
        dir.path(),
        &[
            ("DATABASE_URL", url),
            ("OPS_ENV", "production"),
            ("AUTH_URL", "https://ops.example.com"),
            ("EMAIL_FROM", "ops@example.com"),
            ("EMAIL_SERVER_HOST", "smtp.example.com"),
            ("METRICS_TOKEN", "0123456789abcdef0123456789abcdef"),
        ],
        &["seed-demo"],
        "",
    );
    assert!(!production.status.success());
    assert!(
        text(&production.stderr).contains("production"),
        "{}",
        text(&production.stderr)
    );
    assert!(admin_hash(&database).await.is_none(), "nothing was seeded");

    let demo_server = process::run(
        dir.path(),
        &[
            ("DATABASE_URL", url),
            ("BIND_ADDR", "0.0.0.0:3000"),
            ("DEMO_MODE", "true"),
        ],
        &["seed-demo"],
        "",
    );
    assert!(
        demo_server.status.success(),
        "{}",
        text(&demo_server.stderr)
    );
    let password = printed_password(&text(&demo_server.stdout));
    let hash = admin_hash(&database)
        .await
        .expect("seeded with DEMO_MODE=true");
    assert!(passwords::verify_password(&password, &hash));
}

async fn a_first_start_reachable_from_other_machines_seeds_nothing(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let port = process::free_port();
    let bind = format!("0.0.0.0:{port}");
    let mut child = process::command(
        dir.path(),
        &[("DATABASE_URL", &database.url), ("BIND_ADDR", &bind)],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    process::wait_until_ready(
        &format!("http://127.0.0.1:{port}/readyz"),
        Duration::from_secs(60),
    )
    .await;
    process::signal(&child, "TERM");
    assert!(process::wait_with_limit(&mut child, Duration::from_secs(10)).is_some());
    let stdout = text(&child.wait_with_output().unwrap().stdout);
    assert!(!stdout.contains("password is"), "{stdout}");
    assert!(
        admin_hash(&database).await.is_none(),
        "no demo admin on a reachable server"
    );
}

#[test]
fn production_refuses_to_start_with_unsafe_settings() {
    let dir = tempfile::tempdir().unwrap();
    let output = process::run(
        dir.path(),
        &[
            ("OPS_ENV", "production"),
            ("AUTH_URL", "http://ops.example.com"),
            ("EMAIL_FROM", "ops@example.com"),
            ("GHL_WEBHOOK_SECRET", "x"),
        ],
        &["serve"],
        "",
    );
    assert_eq!(output.status.code(), Some(78));
    let stderr = text(&output.stderr);
    for variable in [
        "AUTH_URL",
        "GHL_WEBHOOK_SECRET",
        "EMAIL_SERVER_HOST",
        "METRICS_TOKEN",
    ] {
        assert!(stderr.contains(variable), "{variable} in:\n{stderr}");
    }
}

on_both_backends!(
    seed_demo_prints_a_fresh_random_password_once,
    seed_demo_needs_demo_mode_off_loopback_and_never_runs_in_production,
    a_first_start_reachable_from_other_machines_seeds_nothing,
);
