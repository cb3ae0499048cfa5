//! The server: sockets, threads, and the life cycle of the process.
//!
//! ## The C10k problem, met by a thread pool
//!
//! The classic blocking server gives each connection a thread. Ten thousand
//! connections, most of them idle keep-alives or slow clients trickling a
//! header byte by byte, then need ten thousand threads — and a slowloris
//! attacker needs only to open connections to exhaust any fixed pool.
//! Event-driven servers (nginx) answer with one thread per core and
//! non-blocking I/O everywhere. GateLite keeps blocking sockets and plain
//! sequential code for everything that has bytes to work on, and never lets
//! a thread wait for bytes that have not come:
//!
//! ```text
//!               wait set (every socket with nothing to read yet:
//!               idle clients, half heads, requests whose upstream
//!               is still thinking), armed one-shot in one epoll set
//!                 ▲                                   │ readable
//!  park / give    │                                   ▼
//!  back           │      epoll_wait by whichever idle worker holds the
//!                 │      poll token -> jobs (fresh lane bounded: full ->
//!                 │      503 + Retry-After at once; resume lane)
//!                 │                                   │
//!   workers (N threads): parse, run the pipeline, send upstream, relay
//! ```
//!
//! Idle and slow connections, and requests whose upstream has not answered,
//! cost a slot in the wait set and a few hundred bytes, not a thread. The
//! waits a blocking server would spend asleep become time for the next
//! job, and since the worker that polls takes a job itself, a busy gateway
//! goes from one request to the next without a context switch — on a
//! virtual machine the most expensive thing a server does (see [`queue`]).
//! The watcher thread keeps the deadlines (header, idle, upstream read) and
//! accepts and sheds in the rare moments when every worker is busy.
//!
//! What still blocks a worker is the rest of a message once it has begun
//! to arrive: a request body, a response body, a write to a slow client.
//! Those waits are bounded by the socket timeouts.
//!
//! ## Life cycle
//!
//! `run` binds, starts the watcher and the workers, then waits for signals:
//! SIGHUP builds a new [`Gateway`] from the config file and swaps it in
//! (a bad config is refused and the old one keeps serving; requests in
//! flight finish on the config they started with); SIGTERM/SIGINT stop
//! accepting, close idle connections, let the requests in flight finish
//! (bounded by [`DRAIN_TIMEOUT`]) and return.

pub mod conn;
pub mod queue;
pub mod wait_set;
pub mod watcher;
pub mod workers;

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use crate::config::ConfigError;
use crate::pipeline::Gateway;
use crate::sys::{self, Epoll, Signal, SignalPipe};
use conn::{Conn, Job, Parked};
use queue::Scheduler;
use wait_set::{WaitSet, Waiter};

/// How long shutdown waits for in-flight requests.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// State shared by the watcher, the workers and the control thread.
#[derive(Debug)]
pub struct Shared {
    gateway: RwLock<Arc<Gateway>>,
    /// Jobs waiting for a worker.
    pub jobs: Scheduler<Job>,
    /// Everything waiting for a socket, filed by epoll token.
    pub waiting: WaitSet,
    /// The epoll set everything waits in.
    pub epoll: Epoll,
    /// The listening sockets, by index; emptied (closed) at shutdown.
    listeners: Mutex<Vec<Arc<TcpListener>>>,
    /// Rung to wake whoever waits in `epoll_wait`: `.0` is in the epoll
    /// set, `.1` is written to.
    doorbell: (UnixStream, UnixStream),
    stopping: AtomicBool,
    /// Set when shutdown begins: in-flight requests may finish until then.
    pub drain_deadline: OnceLock<Instant>,
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

    /// A worker gives a connection back to the watcher: it is filed in the
    /// wait set and its socket armed, without waking the watcher. During
    /// shutdown it is closed instead.
    pub fn give_back(&self, conn: Conn) {
        if self.is_stopping() {
            return; // dropped: closed
        }
        // A failure closes the connection; there is nobody to tell.
        let _ = self.waiting.park(Waiter::Client(conn), &self.epoll);
    }

    /// A worker leaves a request to wait for its upstream. Should its
    /// socket not be watchable, the request is resumed at once (a worker
    /// then waits for the answer in a blocking read) rather than lost.
    pub fn park(&self, p: Box<Parked>) {
        if let Err((Waiter::Upstream(p), e)) = self.waiting.park(Waiter::Upstream(p), &self.epoll) {
            eprintln!(
                "gatelite: cannot watch an upstream socket ({e}); waiting for it in a worker"
            );
            self.jobs.push_resume(Job::Resume(p));
            self.ring();
        }
    }

    /// Listener `i`, unless shutdown closed it.
    pub fn listener(&self, i: usize) -> Option<Arc<TcpListener>> {
        let ls = self.listeners.lock().unwrap_or_else(|p| p.into_inner());
        ls.get(i).cloned()
    }

    /// Stops accepting: the listening sockets close (a poll accepting at
    /// this instant holds its own reference and finishes first).
    fn close_listeners(&self) {
        let mut ls = self.listeners.lock().unwrap_or_else(|p| p.into_inner());
        ls.clear();
    }

    /// Wakes the thread waiting in `epoll_wait`, if any, so it looks at
    /// the scheduler again (a job was queued from outside, or shutdown).
    pub fn ring(&self) {
        // A full doorbell already means "wake up"; the error is harmless.
        let _ = (&self.doorbell.1).write(&[1]);
    }

    /// Empties the doorbell (it is level-triggered: it stays readable
    /// until drained).
    pub fn drain_doorbell(&self) {
        let mut buf = [0u8; 256];
        while matches!((&self.doorbell.0).read(&mut buf), Ok(n) if n > 0) {}
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

    let doorbell = UnixStream::pair().map_err(ServerError::Setup)?;
    for end in [&doorbell.0, &doorbell.1] {
        end.set_nonblocking(true).map_err(ServerError::Setup)?;
    }
    let epoll = Epoll::new().map_err(ServerError::Setup)?;
    epoll
        .watch(&doorbell.0, watcher::DOORBELL_TOKEN)
        .map_err(ServerError::Setup)?;
    if listeners.len() > watcher::MAX_LISTENERS {
        let e = io::Error::other(format!(
            "more than {} listen addresses",
            watcher::MAX_LISTENERS
        ));
        return Err(ServerError::Setup(e));
    }
    for (i, l) in listeners.iter().enumerate() {
        l.set_nonblocking(true).map_err(ServerError::Setup)?;
        epoll
            .watch(l, watcher::listener_token(i))
            .map_err(ServerError::Setup)?;
    }
    let workers = gateway.config.workers;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let shared = Arc::new(Shared {
        jobs: Scheduler::new(gateway.config.queue, workers, cores.min(workers)),
        gateway: RwLock::new(Arc::new(gateway)),
        waiting: WaitSet::new(),
        epoll,
        listeners: Mutex::new(listeners.into_iter().map(Arc::new).collect()),
        doorbell,
        stopping: AtomicBool::new(false),
        drain_deadline: OnceLock::new(),
        workers,
        panics: AtomicU64::new(0),
        started: Instant::now(),
    });

    let watcher = {
        let shared = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("gatelite-watcher".into())
            .spawn(move || watcher::run(shared))
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
    let deadline = Instant::now() + DRAIN_TIMEOUT;
    let _ = shared.drain_deadline.set(deadline);
    shared.stopping.store(true, Ordering::SeqCst);
    watcher.thread().unpark();
    // The watcher stops accepting, closes idle connections and returns once
    // no request is in flight (or at the deadline); then the workers go
    // (the doorbell wakes the one waiting in epoll_wait).
    let _ = watcher.join();
    shared.jobs.close();
    shared.ring();
    if !pool.join(deadline.saturating_duration_since(Instant::now())) {
        eprintln!(
            "gatelite: drain timeout; {} requests abandoned",
            shared.jobs.running()
        );
    }
    Ok(())
}
