//! The command line, run as a real process: help, check-config, migrate, seed-demo, user,
//! and what `serve` prints and logs.

use std::{process::Stdio, time::Duration};

use crate::{
    on_both_backends,
    support::{Backend, TestDatabase, process},
};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_explains_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let top = process::run(dir.path(), &[], &["--help"], "");
    assert!(top.status.success());
    let top = text(&top.stdout);
    for command in ["serve", "migrate", "seed-demo", "user", "check-config"] {
        assert!(top.contains(command), "--help lists {command}:\n{top}");
    }
    for args in [
        &["serve", "--help"][..],
        &["migrate", "--help"],
        &["seed-demo", "--help"],
        &["check-config", "--help"],
        &["user", "create", "--help"],
        &["user", "set-password", "--help"],
    ] {
        let output = process::run(dir.path(), &[], args, "");
        assert!(output.status.success(), "{args:?}");
        assert!(text(&output.stdout).len() > 60, "{args:?} explains itself");
    }
    let create = text(&process::run(dir.path(), &[], &["user", "create", "--help"], "").stdout);
    assert!(create.contains("--email") && create.contains("--role") && create.contains("admin"));
}

#[test]
fn check_config_reports_every_problem_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let bad = process::run(
        dir.path(),
        &[
            ("OPS_ENV", "production"),
            ("DATABASE_URL", "mysql://root@db/ops"),
            ("DEMO_MODE", "true"),
        ],
        &["check-config"],
        "",
    );
    assert_eq!(bad.status.code(), Some(78));
    let report = text(&bad.stdout);
    for variable in [
        "DATABASE_URL",
        "AUTH_URL",
        "EMAIL_FROM",
        "EMAIL_SERVER_HOST",
        "METRICS_TOKEN",
        "DEMO_MODE",
    ] {
        assert!(report.contains(variable), "{variable} in:\n{report}");
    }

    let good = process::run(
        dir.path(),
        &[
            ("OPS_ENV", "production"),
            ("AUTH_URL", "https://ops.example.com"),
            ("EMAIL_FROM", "ops@example.com"),
            ("EMAIL_SERVER_HOST", "smtp.example.com"),
            ("METRICS_TOKEN", "a-production-secret-of-forty-bytes-long!"),
        ],
        &["check-config"],
        "",
    );
    assert_eq!(good.status.code(), Some(0), "{}", text(&good.stdout));
    let summary = text(&good.stdout);
    assert!(summary.contains("The configuration is valid"));
    assert!(
        !summary.contains("a-production-secret"),
        "secrets are not printed"
    );
}

#[test]
fn serve_refuses_to_start_with_a_bad_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let output = process::run(
        dir.path(),
        &[("OPS_TIMEZONE", "Nowhere/Special"), ("BIND_ADDR", "nope")],
        &["serve"],
        "",
    );
    assert_eq!(output.status.code(), Some(78));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("OPS_TIMEZONE") && stderr.contains("BIND_ADDR"),
        "{stderr}"
    );
}

#[test]
fn the_default_sqlite_database_and_its_folder_are_created() {
    let dir = tempfile::tempdir().unwrap();
    let output = process::run(dir.path(), &[], &["migrate"], "");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(dir.path().join("data/ops-desktop.db").exists());
    let all = <ops_desktop::db::Migrator as sea_orm_migration::MigratorTrait>::migrations().len();
    assert!(text(&output.stdout).contains(&format!("Applied {all} migration(s)")));
    let again = process::run(dir.path(), &[], &["migrate"], "");
    assert!(text(&again.stdout).contains("up to date"));
}

async fn seed_demo_and_user_commands_work(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let env = [("DATABASE_URL", database.url.as_str())];

    let first = process::run(dir.path(), &env, &["seed-demo"], "");
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(
        text(&first.stdout).contains("Loaded the demo data: 4 people, 8 work items, 29 subtasks")
    );
    let second = process::run(dir.path(), &env, &["seed-demo"], "");
    assert!(text(&second.stdout).contains("already loaded; nothing changed"));

    let created = process::run(
        dir.path(),
        &env,
        &[
            "user",
            "create",
            "--email",
            "New.Person@Example.com",
            "--name",
            "New Person",
            "--role",
            "staff",
            "--password-stdin",
        ],
        "a long enough password\n",
    );
    assert!(created.status.success(), "{}", text(&created.stderr));
    assert!(text(&created.stdout).contains("new.person@example.com"));

    let duplicate = process::run(
        dir.path(),
        &env,
        &[
            "user",
            "create",
            "--email",
            "new.person@example.com",
            "--name",
            "Again",
            "--role",
            "admin",
        ],
        "",
    );
    assert!(!duplicate.status.success());
    assert!(text(&duplicate.stderr).contains("already exists"));

    let invalid = process::run(
        dir.path(),
        &env,
        &[
            "user",
            "create",
            "--email",
            "not-an-email",
            "--name",
            " ",
            "--role",
            "staff",
        ],
        "",
    );
    assert!(!invalid.status.success());
    let stderr = text(&invalid.stderr);
    assert!(
        stderr.contains("email:") && stderr.contains("name:"),
        "every problem at once: {stderr}"
    );

    let short = process::run(
        dir.path(),
        &env,
        &["user", "set-password", "--email", "new.person@example.com"],
        "short\n",
    );
    assert!(!short.status.success());
    let set = process::run(
        dir.path(),
        &env,
        &["user", "set-password", "--email", "new.person@example.com"],
        "another long password\n",
    );
    assert!(set.status.success(), "{}", text(&set.stderr));

    let db = database.connect().await;
    let person = ops_desktop::services::users::find_by_email(
        db.conn(),
        &ops_desktop::domain::user::Email::parse("new.person@example.com").unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(person.role, "STAFF");
    assert!(ops_desktop::auth::passwords::verify_password(
        "another long password",
        person.password_hash.as_deref().unwrap()
    ));
    db.close().await.unwrap();
}

async fn first_start_seeds_demo_data_and_logs_json_lines_with_request_ids(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let bind = format!("127.0.0.1:{}", process::free_port());
    let mut child = process::command(
        dir.path(),
        &[
            ("DATABASE_URL", &database.url),
            ("BIND_ADDR", &bind),
            ("LOG_FORMAT", "json"),
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    process::wait_until_ready(&format!("http://{bind}/readyz"), Duration::from_secs(60)).await;
    let response = reqwest::Client::new()
        .get(format!("http://{bind}/api/missing"))
        .header("x-request-id", "cli-test-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    process::signal(&child, "TERM");
    assert!(process::wait_with_limit(&mut child, Duration::from_secs(10)).is_some());
    let output = child.wait_with_output().unwrap();
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("Every demo account's password is"),
        "{stdout}"
    );

    let request_line = stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|line| line["span"]["request_id"] == "cli-test-42" && line["message"] == "request")
        .unwrap_or_else(|| panic!("a JSON request line with the request id in:\n{stdout}"));
    assert_eq!(request_line["method"], "GET");
    assert_eq!(request_line["status"], 404);
    assert!(request_line["latency_ms"].is_string() || request_line["latency_ms"].is_number());
    assert!(
        !stdout.contains(&database.url) || backend == Backend::Sqlite,
        "no database password in logs"
    );
}

on_both_backends!(
    seed_demo_and_user_commands_work,
    first_start_seeds_demo_data_and_logs_json_lines_with_request_ids,
);
