//! The watcher: one thread that waits, with `epoll(7)`, on every socket
//! that has nothing to read yet — client connections between requests or
//! with half a head, upstream connections whose answer has not come — and
//! on the listening sockets.
//!
//! When a waiter's socket becomes readable it is taken out of the
//! [`WaitSet`](super::wait_set::WaitSet) and handed to the scheduler: a client connection as a
//! *fresh* job (when that lane is full the client gets an immediate `503`
//! with `Retry-After`: load shedding), a request whose upstream answered as
//! a *resume* job. A periodic sweep ends waits whose deadline passed: it
//! closes client connections (header timeout for an unfinished head, idle
//! timeout between requests) and turns requests whose upstream is silent
//! past its read timeout into `504`s.
//!
//! Workers park waiters without waking this thread: they file the waiter
//! and arm its socket in the shared epoll set themselves. The watcher wakes
//! only for what it must do — accept, hand over readable waiters (many per
//! wake-up under load), sweep, or stop (a socket pair is its doorbell).
//!
//! Shutdown: the listeners close at once, idle client connections are
//! closed, and the watcher keeps serving the requests in flight until none
//! is left or the drain deadline passes.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::conn::{Conn, Job};
use super::queue::STALE_AFTER;
use super::wait_set::Waiter;
use super::Shared;
use crate::pipeline::reject;
use crate::sys::EpollEvent;

/// Most client connections the watcher holds; beyond this new ones are
/// refused (file descriptors and memory are finite).
pub const MAX_WATCHED: usize = 16_384;

/// Most connections accepted per listener per wake-up (fairness to the rest).
const ACCEPT_BATCH: usize = 256;

/// Most readiness events taken from the kernel per wake-up.
const EVENT_BATCH: usize = 256;

/// Client-side write timeout for every connection.
pub const CLIENT_WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// The epoll token of the doorbell (waiter tokens are slot indices, far below).
const DOORBELL_TOKEN: u64 = u64::MAX;

/// The epoll token of listener `i`.
fn listener_token(i: usize) -> u64 {
    u64::MAX - 1 - i as u64
}

/// How often the deadline sweep runs: a tenth of the shortest timeout it
/// enforces (client header and idle, upstream read), so a deadline is kept
/// within 10 % of its length, but at most every 5 ms and at least every
/// second.
fn sweep_interval(shared: &Shared) -> Duration {
    let gw = shared.gateway();
    let t = gw.config.client_timeouts;
    let shortest = gw
        .upstreams
        .iter()
        .map(|u| u.timeouts.read)
        .fold(t.header.min(t.idle), Duration::min);
    (shortest / 10).clamp(Duration::from_millis(5), Duration::from_secs(1))
}

/// Runs until shutdown has drained; owns the listeners.
pub fn run(shared: Arc<Shared>, listeners: Vec<TcpListener>, doorbell: UnixStream) {
    let mut events = vec![EpollEvent::EMPTY; EVENT_BATCH];
    let mut ready_tokens: Vec<u64> = Vec::with_capacity(EVENT_BATCH);
    let mut ready: Vec<Waiter> = Vec::with_capacity(EVENT_BATCH);
    let _ = doorbell.set_nonblocking(true);
    if let Err(e) = shared.epoll.watch(&doorbell, DOORBELL_TOKEN) {
        eprintln!("gatelite: cannot watch the shutdown doorbell: {e}");
    }
    for (i, l) in listeners.iter().enumerate() {
        let setup = l
            .set_nonblocking(true)
            .and_then(|()| shared.epoll.watch(l, listener_token(i)));
        if let Err(e) = setup {
            eprintln!("gatelite: listener setup failed: {e}");
        }
    }
    let mut listeners = Some(listeners);
    let mut interval = sweep_interval(&shared);
    let mut next_sweep = Instant::now() + interval;
    let mut jobs_waiting = false;
    loop {
        if shared.is_stopping() {
            if let Some(ls) = listeners.take() {
                // Stop accepting (closing removes them from the epoll set)
                // and close the idle connections.
                drop(ls);
                shared.waiting.expire(Instant::now(), true, &mut ready);
                ready.clear();
            }
            let past_deadline = shared
                .drain_deadline
                .get()
                .is_some_and(|d| Instant::now() >= *d);
            if shared.jobs.is_quiet() || past_deadline {
                break;
            }
        }
        let mut timeout = next_sweep.saturating_duration_since(Instant::now());
        if jobs_waiting || shared.is_stopping() {
            timeout = timeout.min(STALE_AFTER);
        }
        let n = match shared.epoll.wait(&mut events, Some(timeout)) {
            Ok(n) => n,
            Err(e) => {
                eprintln!("gatelite: epoll_wait failed: {e}");
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        ready_tokens.clear();
        for ev in events.iter().take(n) {
            match ev.token() {
                DOORBELL_TOKEN => drain(&doorbell),
                t if t >= listener_token(MAX_LISTENERS) => {
                    let i = usize::try_from(u64::MAX - 1 - t).unwrap_or(usize::MAX);
                    if let Some(l) = listeners.as_ref().and_then(|ls| ls.get(i)) {
                        accept_batch(&shared, l);
                    }
                }
                t => ready_tokens.push(t),
            }
        }
        shared.waiting.take(&ready_tokens, &mut ready);
        for w in ready.drain(..) {
            dispatch(&shared, w);
        }
        let now = Instant::now();
        if now >= next_sweep {
            shared.waiting.expire(now, false, &mut ready);
            for w in ready.drain(..) {
                match w {
                    // Header or idle timeout: just close.
                    Waiter::Client(c) => {
                        let _ = c.stream.shutdown(Shutdown::Both);
                    }
                    Waiter::Upstream(p) => shared.jobs.push_resume(Job::Expired(p)),
                }
            }
            interval = sweep_interval(&shared);
            next_sweep = now + interval;
        }
        jobs_waiting = shared.jobs.wake_stale(now);
    }
    // Whatever still waits (past the drain deadline) is closed here.
    drop(shared.waiting.drain());
}

/// Most listeners (`listen` lines); their tokens sit just below the doorbell's.
const MAX_LISTENERS: usize = 1024;

/// Accepts what is waiting on `listener` and files it in the wait set.
fn accept_batch(shared: &Shared, listener: &TcpListener) {
    let header_timeout = shared.gateway().config.client_timeouts.header;
    for _ in 0..ACCEPT_BATCH {
        match listener.accept() {
            Ok((stream, peer)) => {
                if shared.waiting.clients() >= MAX_WATCHED {
                    drop(stream);
                    continue;
                }
                // Blocking with timeouts: a worker reads only once the
                // watcher saw bytes, and the timeout bounds the waits for
                // a request body.
                let ok = stream.set_nodelay(true).is_ok()
                    && stream.set_read_timeout(Some(header_timeout)).is_ok()
                    && stream.set_write_timeout(Some(CLIENT_WRITE_TIMEOUT)).is_ok();
                if ok {
                    let conn = Conn::new(stream, peer, header_timeout);
                    if let Err((_, e)) = shared.waiting.park(Waiter::Client(conn), &shared.epoll) {
                        eprintln!("gatelite: cannot watch a new connection: {e}");
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                // EMFILE and friends: back off a little rather than spin.
                eprintln!("gatelite: accept failed: {e}");
                return;
            }
        }
    }
}

/// Hands a readable waiter to the workers, or sheds a client.
fn dispatch(shared: &Shared, w: Waiter) {
    match w {
        Waiter::Client(conn) => {
            if let Err(Job::Serve(conn)) = shared.jobs.push_fresh(Job::Serve(conn)) {
                shed(conn);
            }
        }
        Waiter::Upstream(p) => shared.jobs.push_resume(Job::Resume(p)),
    }
}

/// All workers busy and the fresh lane full: answer 503 now and close.
fn shed(conn: Conn) {
    let _ = conn.stream.set_nonblocking(true);
    // Read what the client already sent so closing does not reset the
    // connection under our answer.
    let mut sink = [0u8; 16 * 1024];
    let _ = (&conn.stream).read(&mut sink);
    let _ = (&conn.stream).write_all(&reject(503, "the gateway is overloaded; retry shortly"));
    let _ = conn.stream.shutdown(Shutdown::Write);
}

fn drain(doorbell: &UnixStream) {
    let mut buf = [0u8; 256];
    while matches!((&*doorbell).read(&mut buf), Ok(n) if n > 0) {}
}
