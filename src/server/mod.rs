//! The server: sockets, threads, and the life cycle of the process.
//!
//! ## The C10k problem, met by a thread pool
//!
//! The classic blocking server gives each connection a thread. Ten thousand
//! connections, most of them idle keep-alives or slow clients trickling a
//! header byte by byte, then need ten thousand threads — and a slowloris
//! attacker needs only to open connections to exhaust any fixed pool.
//! Event-driven servers (nginx) answer with one thread per core and
//! non-blocking I/O everywhere. GateLite keeps blocking I/O, which is simple
//! to read, and separates *waiting* from *working*:
//!
//! ```text
//!  listeners ─┐
//!             ▼
//!   watcher (1 thread, poll(2) over every waiting connection)
//!             │ readable
//!             ▼
//!   bounded queue (full -> 503 + Retry-After at once)
//!             │
//!             ▼
//!   workers (N threads): parse, run the pipeline, proxy, respond
//!             │ idle or head unfinished
//!             └──────────► back to the watcher
//! ```
//!
//! A worker holds a connection only while a request is being processed
//! (plus a linger of a few milliseconds, see [`conn`]). Idle and slow
//! connections cost a slot in the watcher's `poll` set and a few hundred
//! bytes, not a thread. Timeouts (header, idle) are deadlines the watcher
//! enforces.
//!
//! ## Life cycle
//!
//! `run` binds, starts the watcher and the workers, then waits for signals:
//! SIGHUP builds a new [`Gateway`] from the config file and swaps it in
//! (a bad config is refused and the old one keeps serving); SIGTERM/SIGINT
//! stop accepting, close idle connections, let workers finish what they
//! hold (bounded by [`DRAIN_TIMEOUT`]) and return.

pub mod conn;
pub mod queue;
pub mod watcher;
pub mod workers;

use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::config::ConfigError;
use crate::pipeline::Gateway;
use crate::sys::{self, Signal, SignalPipe};
use conn::Conn;
use queue::WorkQueue;

/// How long shutdown waits for in-flight requests.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// State shared by the watcher, the workers and the control thread.
#[derive(Debug)]
pub struct Shared {
    gateway: RwLock<Arc<Gateway>>,
    /// Readable connections waiting for a worker.
    pub queue: WorkQueue<Conn>,
    returned: Mutex<Vec<Conn>>,
    doorbell: UnixStream,
    stopping: AtomicBool,
    /// Workers serving a connection right now.
    pub busy: AtomicUsize,
    /// Worker threads.
    pub workers: usize,
    /// Panics caught at the connection boundary.
    pub panics: AtomicU64,
    /// When the server started.
    pub started: Instant,
}

impl Shared {
    /// The gateway currently in force.
    pub fn gateway(&self) -> Arc<Gateway> {
        // The lock guards one Arc swap; a panic cannot leave it half-done.
        Arc::clone(&self.gateway.read().unwrap_or_else(|p| p.into_inner()))
    }

    fn swap_gateway(&self, gw: Gateway) {
        *self.gateway.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(gw);
    }

    /// True once shutdown has begun.
    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// A worker gives a connection back to the watcher.
    pub fn give_back(&self, conn: Conn) {
        if self.is_stopping() {
            return; // dropped: closed
        }
        self.returned
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(conn);
        self.ring();
    }

    fn take_returned(&self) -> Vec<Conn> {
        std::mem::take(&mut *self.returned.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn ring(&self) {
        // A full doorbell already means "wake up"; the error is harmless.
        let _ = (&self.doorbell).write(&[1]);
    }
}

/// Why the server could not run.
#[derive(Debug)]
pub enum ServerError {
    /// A listen address could not be bound.
    Bind(SocketAddr, io::Error),
    /// Threads or sockets could not be set up.
    Setup(io::Error),
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServerError::Bind(a, e) => write!(f, "cannot listen on {a}: {e}"),
            ServerError::Setup(e) => write!(f, "server setup failed: {e}"),
        }
    }
}

impl std::error::Error for ServerError {}

/// Runs the gateway until SIGTERM/SIGINT. `reload` builds a fresh gateway
/// from the config file (for SIGHUP).
pub fn run(
    gateway: Gateway,
    reload: &dyn Fn() -> Result<Gateway, Vec<ConfigError>>,
) -> Result<(), ServerError> {
    let signals = SignalPipe::install().map_err(ServerError::Setup)?;
    let _ = sys::raise_fd_limit();
    let mut listeners = Vec::new();
    for addr in &gateway.config.listen {
        let l = TcpListener::bind(addr).map_err(|e| ServerError::Bind(*addr, e))?;
        let local = l.local_addr().map_err(ServerError::Setup)?;
        println!("gatelite: listening on {local}");
        listeners.push(l);
    }
    let _ = io::stdout().flush();

    let (doorbell_rx, doorbell_tx) = UnixStream::pair().map_err(ServerError::Setup)?;
    doorbell_tx
        .set_nonblocking(true)
        .map_err(ServerError::Setup)?;
    let workers = gateway.config.workers;
    let shared = Arc::new(Shared {
        queue: WorkQueue::new(gateway.config.queue),
        gateway: RwLock::new(Arc::new(gateway)),
        returned: Mutex::new(Vec::new()),
        doorbell: doorbell_tx,
        stopping: AtomicBool::new(false),
        busy: AtomicUsize::new(0),
        workers,
        panics: AtomicU64::new(0),
        started: Instant::now(),
    });

    let watcher = {
        let shared = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("gatelite-watcher".into())
            .spawn(move || watcher::run(shared, listeners, doorbell_rx))
            .map_err(ServerError::Setup)?
    };
    let pool = workers::Pool::start(Arc::clone(&shared), workers).map_err(ServerError::Setup)?;

    while signals.wait() == Signal::Reload {
        match reload() {
            Ok(gw) => {
                if gw.config.listen != shared.gateway().config.listen
                    || gw.config.workers != workers
                {
                    eprintln!("gatelite: listen and workers changes take effect on restart");
                }
                shared.swap_gateway(gw);
                eprintln!("gatelite: config reloaded");
            }
            Err(errors) => {
                for e in errors {
                    eprintln!("{e}");
                }
                eprintln!("gatelite: reload refused; the previous config keeps serving");
            }
        }
    }

    eprintln!("gatelite: shutting down, draining in-flight requests");
    shared.stopping.store(true, Ordering::SeqCst);
    shared.ring();
    let _ = watcher.join();
    shared.queue.close();
    if !pool.join(DRAIN_TIMEOUT) {
        eprintln!(
            "gatelite: drain timeout; {} requests abandoned",
            shared.busy.load(Ordering::SeqCst)
        );
    }
    Ok(())
}
