//! `ops-desktop healthcheck`: asks a running server's `GET /readyz` and exits 0 only on a 200,
//! so a container's health check is the binary itself and the image needs no HTTP client.

use std::{net::SocketAddr, process::ExitCode, time::Duration};

use clap::Args;

use crate::config::DEFAULT_BIND_ADDR;

#[derive(Debug, Args)]
pub struct HealthcheckArgs {
    /// The readiness URL to ask (default: `/readyz` on `BIND_ADDR`, with a wildcard address
    /// replaced by loopback).
    #[arg(long)]
    url: Option<String>,
    /// Seconds to wait for the answer before calling the server unhealthy.
    #[arg(long, default_value_t = 3)]
    timeout: u64,
}

pub fn run(args: HealthcheckArgs) -> ExitCode {
    // Only BIND_ADDR matters here; a .env beside the server supplies it as it does for `serve`.
    let _ = dotenvy::dotenv();
    let url = match args.url {
        Some(url) => url,
        None => match readiness_url(std::env::var("BIND_ADDR").ok().as_deref()) {
            Ok(url) => url,
            Err(message) => {
                eprintln!("unhealthy: {message}");
                return ExitCode::FAILURE;
            }
        },
    };
    match ask(&url, Duration::from_secs(args.timeout.max(1))) {
        Ok(()) => {
            println!("ready: {url}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("unhealthy: {url}: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `http://<host:port>/readyz` for the address the server listens on. A server bound to every
/// interface (`0.0.0.0`, `[::]`) is reached on loopback.
fn readiness_url(bind_addr: Option<&str>) -> Result<String, String> {
    let raw = bind_addr
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .unwrap_or(DEFAULT_BIND_ADDR);
    let mut address: SocketAddr = raw
        .parse()
        .map_err(|_| format!("BIND_ADDR `{raw}` is not an address and port"))?;
    if address.ip().is_unspecified() {
        address.set_ip(if address.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    Ok(format!("http://{address}/readyz"))
}

/// One GET; success only for a 2xx answer within `timeout`.
fn ask(url: &str, timeout: Duration) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("cannot start the async runtime: {error}"))?;
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|error| error.to_string())?;
        let response = client
            .get(url)
            .send()
            .await
            .map_err(|error| format!("no answer ({error})"))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("answered {status}"))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::readiness_url;

    #[test]
    fn the_url_follows_bind_addr_and_reaches_wildcards_on_loopback() {
        assert_eq!(readiness_url(None).unwrap(), "http://127.0.0.1:3000/readyz");
        assert_eq!(
            readiness_url(Some("0.0.0.0:8080")).unwrap(),
            "http://127.0.0.1:8080/readyz"
        );
        assert_eq!(
            readiness_url(Some("[::]:8080")).unwrap(),
            "http://[::1]:8080/readyz"
        );
        assert_eq!(
            readiness_url(Some("10.1.2.3:9000")).unwrap(),
            "http://10.1.2.3:9000/readyz"
        );
        assert!(
            readiness_url(Some("localhost"))
                .unwrap_err()
                .contains("BIND_ADDR")
        );
    }
}
