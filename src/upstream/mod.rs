//! Upstreams: the servers behind a route, how one is picked, and how
//! connections to them are opened, reused and timed out.
//!
//! * [`balance`] picks a server (smooth weighted round robin, as nginx does).
//! * [`pool`] keeps idle keep-alive connections per server so that most
//!   requests skip the TCP handshake; a pooled connection is probed before
//!   reuse and dropped when it is too old.
//! * [`connect`] opens a fresh connection with a deadline on every phase.
//! * [`error`] names what went wrong upstream and which status the client
//!   sees (502 for refused or broken, 504 for timed out).
//!
//! No client-facing logic lives here: the proxy stage in `pipeline` drives
//! these pieces. Locks are held only to push or pop from a pool or to move the
//! balancer one step, never across I/O.

pub mod balance;
pub mod connect;
pub mod error;
pub mod pool;

use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use crate::util::clock::Clock;
use balance::SmoothWeighted;
pub use error::{UpstreamError, UpstreamErrorKind};
use pool::Pool;

/// How long an idle pooled connection may wait before it is not reused:
/// shorter than the usual upstream keep-alive timeouts (nginx: 75 s,
/// Node: 5 s), so we rarely pick one the server is about to close.
pub const POOL_MAX_IDLE_AGE: Duration = Duration::from_secs(4);

/// Per-phase timeouts of an upstream.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// TCP connect.
    pub connect: Duration,
    /// Each read.
    pub read: Duration,
    /// Each write.
    pub write: Duration,
}

/// One server of an upstream.
#[derive(Debug)]
pub struct Server {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The address as configured.
    pub label: String,
    /// Balancing weight.
    pub weight: u32,
    /// Idle keep-alive connections to it.
    pub pool: Pool,
    /// Requests being forwarded to it right now.
    pub active: AtomicUsize,
    /// TCP connections opened to it since start.
    pub connects: AtomicU64,
}

/// A named group of servers.
#[derive(Debug)]
pub struct Upstream {
    /// The `upstream` block's name.
    pub name: String,
    /// Its servers.
    pub servers: Vec<Server>,
    /// Its timeouts.
    pub timeouts: Timeouts,
    balancer: SmoothWeighted,
}

/// A connection to one server, fresh or from the pool.
#[derive(Debug)]
pub struct UpstreamConn {
    /// The socket.
    pub stream: TcpStream,
    /// Index of the server in [`Upstream::servers`].
    pub server: usize,
    /// True when it came from the pool (it may have been closed by the
    /// server meanwhile: a failure before any response byte is retryable).
    pub reused: bool,
}

/// One server's description, for [`Upstream::new`].
#[derive(Clone, Debug)]
pub struct ServerDef {
    /// Address.
    pub addr: SocketAddr,
    /// As configured, for logs and admin output.
    pub label: String,
    /// Balancing weight (at least 1).
    pub weight: u32,
}

impl Upstream {
    /// An upstream whose servers each keep up to `keepalive` idle connections.
    pub fn new(name: &str, servers: &[ServerDef], keepalive: usize, timeouts: Timeouts) -> Self {
        let servers: Vec<Server> = servers
            .iter()
            .map(|s| Server {
                addr: s.addr,
                label: s.label.clone(),
                weight: s.weight.max(1),
                pool: Pool::new(keepalive, POOL_MAX_IDLE_AGE),
                active: AtomicUsize::new(0),
                connects: AtomicU64::new(0),
            })
            .collect();
        let weights: Vec<u32> = servers.iter().map(|s| s.weight).collect();
        Upstream {
            name: name.to_string(),
            servers,
            timeouts,
            balancer: SmoothWeighted::new(&weights),
        }
    }

    /// Picks the next server in turn.
    pub fn pick(&self) -> Option<usize> {
        self.balancer.next()
    }

    /// A pooled connection to `server` when one is alive, else a new one.
    pub fn connection(
        &self,
        server: usize,
        clock: &dyn Clock,
    ) -> Result<UpstreamConn, UpstreamError> {
        let s = self
            .servers
            .get(server)
            .ok_or_else(|| UpstreamError::new(UpstreamErrorKind::Connect, "no such server"))?;
        if let Some(stream) = s.pool.take(clock.monotonic()) {
            return Ok(UpstreamConn {
                stream,
                server,
                reused: true,
            });
        }
        self.fresh_connection(server)
    }

    /// Always a new connection (used to retry after a stale pooled one).
    pub fn fresh_connection(&self, server: usize) -> Result<UpstreamConn, UpstreamError> {
        let s = self
            .servers
            .get(server)
            .ok_or_else(|| UpstreamError::new(UpstreamErrorKind::Connect, "no such server"))?;
        let stream = connect::open(s.addr, &self.timeouts)?;
        s.connects.fetch_add(1, Ordering::Relaxed);
        Ok(UpstreamConn {
            stream,
            server,
            reused: false,
        })
    }

    /// Returns a connection whose last response was read completely and
    /// that the server left open.
    pub fn release(&self, conn: UpstreamConn, clock: &dyn Clock) {
        if let Some(s) = self.servers.get(conn.server) {
            s.pool.put(conn.stream, clock.monotonic());
        }
    }
}
