//! A small TCP proxy between the application and PostgreSQL, so a test can cut the database
//! off (and bring it back) without stopping the server that other tests share.
//!
//! Two kinds of outage: [`TcpProxy::cut`] closes every connection and refuses new ones (the
//! server is down: the client learns at once); [`TcpProxy::black_hole`] keeps accepting
//! bytes and never answers or closes (a silent partition: only the client's own timeouts
//! can end the wait). Connections caught in a black hole stay there even after
//! [`TcpProxy::restore`], as they would behind a middlebox that forgot them.

use std::net::SocketAddr;

use tokio::{
    io::AsyncWriteExt,
    net::{TcpListener, TcpStream},
    sync::watch,
};
use url::Url;

use super::TestDatabase;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Open,
    Cut,
    BlackHole,
}

/// A running proxy; dropped, it stops accepting.
pub struct TcpProxy {
    pub address: SocketAddr,
    mode: watch::Sender<Mode>,
    task: tokio::task::JoinHandle<()>,
}

impl TcpProxy {
    /// Forwards connections on a fresh local port to `target` (`host:port`).
    pub async fn start(target: String) -> TcpProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy port");
        let address = listener.local_addr().expect("proxy address");
        let (mode, mode_rx) = watch::channel(Mode::Open);
        let task = tokio::spawn(async move {
            loop {
                let Ok((inbound, _)) = listener.accept().await else {
                    return;
                };
                let current = *mode_rx.borrow();
                match current {
                    Mode::Cut => drop(inbound), // refuse while cut
                    Mode::BlackHole => {
                        tokio::spawn(swallow(inbound));
                    }
                    Mode::Open => {
                        tokio::spawn(forward(inbound, target.clone(), mode_rx.clone()));
                    }
                }
            }
        });
        TcpProxy {
            address,
            mode,
            task,
        }
    }

    /// A proxy in front of the PostgreSQL test database, and the URL that reaches it
    /// through the proxy.
    pub async fn in_front_of(database: &TestDatabase) -> (TcpProxy, String) {
        let direct = Url::parse(&database.url).expect("a PostgreSQL URL");
        let target = format!(
            "{}:{}",
            direct.host_str().expect("a host"),
            direct.port().unwrap_or(5432)
        );
        let proxy = TcpProxy::start(target).await;
        let mut through_proxy = direct.clone();
        through_proxy.set_host(Some("127.0.0.1")).unwrap();
        through_proxy.set_port(Some(proxy.address.port())).unwrap();
        (proxy, through_proxy.to_string())
    }

    /// Drops every open connection and refuses new ones: the database looks down.
    pub fn cut(&self) {
        let _ = self.mode.send(Mode::Cut);
    }

    /// Every open and new connection goes silent: bytes are taken and never answered.
    pub fn black_hole(&self) {
        let _ = self.mode.send(Mode::BlackHole);
    }

    /// Lets new connections through again.
    pub fn restore(&self) {
        let _ = self.mode.send(Mode::Open);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Copies both ways until either side closes or the mode changes.
async fn forward(inbound: TcpStream, target: String, mut mode: watch::Receiver<Mode>) {
    let Ok(outbound) = TcpStream::connect(&target).await else {
        return;
    };
    let (mut in_read, mut in_write) = inbound.into_split();
    let (mut out_read, mut out_write) = outbound.into_split();
    let changed = tokio::select! {
        _ = tokio::io::copy(&mut in_read, &mut out_write) => None,
        _ = tokio::io::copy(&mut out_read, &mut in_write) => None,
        mode = mode.wait_for(|mode| *mode != Mode::Open) => mode.ok().map(|mode| *mode),
    };
    if changed == Some(Mode::BlackHole) {
        // Keep both sockets open; take what the client sends and answer nothing.
        let _keep = (in_write, out_read, out_write);
        let _ = tokio::io::copy(&mut in_read, &mut tokio::io::sink()).await;
    } else {
        let _ = in_write.shutdown().await;
    }
}

/// A connection accepted during a black hole: read forever, answer never.
async fn swallow(mut inbound: TcpStream) {
    let _ = tokio::io::copy(&mut inbound, &mut tokio::io::sink()).await;
}
