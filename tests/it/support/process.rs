//! Running the built `ops-desktop` binary as a child process, for what only a real process
//! shows: exit codes, signals, and what it prints.

use std::{
    path::Path,
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

/// The binary Cargo built for this test run.
pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_ops-desktop")
}

/// A command for the binary with a clean, explicit environment (nothing leaks in from the
/// developer's shell or `.env`), run in `workdir`.
pub fn command(workdir: &Path, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(binary());
    command.current_dir(workdir).env_clear();
    if let Ok(path) = std::env::var("PATH") {
        command.env("PATH", path);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    command
}

/// Runs the binary to completion with `stdin` as its input.
pub fn run(workdir: &Path, env: &[(&str, &str)], args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = command(workdir, env)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().expect("the binary finishes")
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Sends a signal by name (`TERM`, `KILL`, `INT`) with the system's `kill`.
pub fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{name} failed");
}

/// Waits for the child to exit, up to `limit`; `None` if it is still running.
pub fn wait_with_limit(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// Polls `url` until it answers 200.
pub async fn wait_until_ready(url: &str, limit: Duration) {
    let client = reqwest::Client::new();
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Ok(response) = client.get(url).send().await
            && response.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{url} did not become ready within {limit:?}");
}

/// Reads the child's standard output and error to their end on threads of their own (so a
/// full pipe never blocks it); the handle gives both, one after the other, once it has exited.
pub fn collect_output(child: &mut Child) -> std::thread::JoinHandle<String> {
    use std::io::Read;
    fn drain(mut from: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = from.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    }
    let stdout = drain(child.stdout.take().expect("stdout is piped"));
    let stderr = drain(child.stderr.take().expect("stderr is piped"));
    std::thread::spawn(move || {
        let mut text = stdout.join().unwrap_or_default();
        text.push_str(&stderr.join().unwrap_or_default());
        text
    })
}
