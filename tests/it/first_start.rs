//! Two development instances started together on an empty database both come up: one
//! migrates and loads the demo data, the other waits its turn and finds it there.

use std::{
    process::{Child, Stdio},
    time::{Duration, Instant},
};

use ops_desktop::db::entities::{user, work_item};
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::{
    on_both_backends,
    support::{Backend, TestDatabase, process},
};

/// A running instance, its address and its folder.
struct Instance {
    child: Child,
    base: String,
    _workdir: tempfile::TempDir,
}

fn start(database: &TestDatabase) -> Instance {
    let workdir = tempfile::tempdir().unwrap();
    let bind = format!("127.0.0.1:{}", process::free_port());
    let data_dir = workdir.path().join("data").display().to_string();
    let child = process::command(
        workdir.path(),
        &[
            ("DATABASE_URL", &database.url),
            ("BIND_ADDR", &bind),
            ("OPS_DATA_DIR", &data_dir),
            ("LOG_LEVEL", "warn"),
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("the binary starts");
    Instance {
        child,
        base: format!("http://{bind}"),
        _workdir: workdir,
    }
}

/// Waits for `/readyz`; an instance that exits instead fails the test with what it said.
async fn wait_ready(instance: &mut Instance, limit: Duration) {
    let client = reqwest::Client::new();
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Some(status) = instance.child.try_wait().unwrap() {
            let mut said = String::new();
            if let Some(mut stderr) = instance.child.stderr.take() {
                std::io::Read::read_to_string(&mut stderr, &mut said).ok();
            }
            panic!("an instance exited during its first start ({status}):\n{said}");
        }
        let ready = client.get(format!("{}/readyz", instance.base)).send().await;
        if ready.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{} did not become ready within {limit:?}", instance.base);
}

async fn two_instances_starting_together_on_an_empty_database_both_come_up(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let mut first = start(&database);
    let mut second = start(&database);
    wait_ready(&mut first, Duration::from_secs(90)).await;
    wait_ready(&mut second, Duration::from_secs(90)).await;

    let db = database.connect().await;
    assert_eq!(
        user::Entity::find().count(db.conn()).await.unwrap(),
        4,
        "the demo people were loaded once"
    );
    assert_eq!(work_item::Entity::find().count(db.conn()).await.unwrap(), 8);
    db.close().await.unwrap();

    let mut said = Vec::new();
    for mut instance in [first, second] {
        process::signal(&instance.child, "TERM");
        let status = process::wait_with_limit(&mut instance.child, Duration::from_secs(10));
        if status.is_none() {
            let _ = instance.child.kill();
        }
        assert!(status.expect("stopped on SIGTERM").success());
        let output = instance.child.wait_with_output().unwrap();
        said.push(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    let loaded = said
        .iter()
        .filter(|out| out.contains("Loaded the demo data"))
        .count();
    assert_eq!(
        loaded, 1,
        "exactly one instance loaded the demo data:\n{said:#?}"
    );
}

on_both_backends!(two_instances_starting_together_on_an_empty_database_both_come_up);
