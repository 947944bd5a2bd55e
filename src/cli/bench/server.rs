//! The server under test: this same binary started as a child process with `serve`, timed from
//! spawn to its first `200` on `/readyz`, and its memory read from `/proc/<pid>/status`.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};

use tokio::process::{Child, Command};

/// A running server.
pub struct Server {
    child: Child,
    pid: u32,
    pub base: String,
    pub start_to_ready: Duration,
}

/// A port nobody listens on right now (the server binds it a moment later).
fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

impl Server {
    /// Starts `binary serve` on a free port with `env` added, and waits until it is ready.
    pub async fn start(
        binary: &Path,
        env: &[(String, String)],
        log: PathBuf,
    ) -> anyhow::Result<Server> {
        let port = free_port()?;
        let base = format!("http://127.0.0.1:{port}");
        let log = std::fs::File::create(&log)?;
        let started = Instant::now();
        let mut command = Command::new(binary);
        command
            .arg("serve")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("AUTH_URL", &base)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .kill_on_drop(true);
        let mut child = command.spawn()?;
        let pid = child
            .id()
            .ok_or_else(|| anyhow::anyhow!("the server exited at once"))?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()?;
        let ready_url = format!("{base}/readyz");
        loop {
            if let Ok(response) = client.get(&ready_url).send().await
                && response.status().is_success()
            {
                break;
            }
            if let Some(status) = child.try_wait()? {
                anyhow::bail!("the server stopped before it was ready ({status})");
            }
            if started.elapsed() > Duration::from_secs(60) {
                anyhow::bail!("the server was not ready within 60 seconds");
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        Ok(Server {
            child,
            pid,
            base,
            start_to_ready: started.elapsed(),
        })
    }

    /// The resident memory of the server now, in MB.
    pub fn rss_mb(&self) -> f64 {
        read_status_kb(self.pid, "VmRSS:")
            .map(|kb| kb as f64 / 1024.0)
            .unwrap_or(0.0)
    }

    /// Samples the resident memory every 20 ms until `stop` turns true; the peak, in MB.
    pub fn sample_peak(
        &self,
        stop: tokio::sync::watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<f64> {
        let pid = self.pid;
        tokio::spawn(async move {
            let mut peak = 0u64;
            while !*stop.borrow() {
                peak = peak.max(read_status_kb(pid, "VmRSS:").unwrap_or(0));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            peak as f64 / 1024.0
        })
    }

    /// Asks the server to stop (SIGTERM) and waits; kills it if it lingers.
    pub async fn stop(mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid.to_string())
            .status()
            .await;
        if tokio::time::timeout(Duration::from_secs(15), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

/// A `kB` field of `/proc/<pid>/status` (Linux only; `None` elsewhere).
fn read_status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}
