//! The idle watcher: one thread that owns every connection no worker is
//! serving — new ones, kept-alive ones between requests, and ones whose head
//! is still trickling in — and waits on all of them at once with `poll(2)`.
//!
//! When a connection becomes readable it is handed to the work queue. When
//! the queue is full the client gets an immediate `503` with `Retry-After`
//! instead of waiting for a worker that may never come (load shedding).
//! When its deadline passes (header timeout for an unfinished head, idle
//! timeout between requests) it is closed.
//!
//! The listening sockets are in the same `poll` set, so accepting costs no
//! extra thread. A socket pair is the watcher's doorbell: workers ring it
//! when they hand a connection back, and shutdown rings it to stop.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::conn::Conn;
use super::Shared;
use crate::pipeline::reject;
use crate::sys::{self, PollFd};

/// Most connections the watcher holds; beyond this new ones are refused
/// (`poll` cost grows with the set, and file descriptors are finite).
pub const MAX_WATCHED: usize = 16_384;

/// Most connections accepted per listener per wake-up (fairness to the rest).
const ACCEPT_BATCH: usize = 256;

/// Client-side write timeout for every connection.
pub const CLIENT_WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs until shutdown; owns the listeners.
pub fn run(shared: Arc<Shared>, listeners: Vec<TcpListener>, doorbell: UnixStream) {
    let mut conns: Vec<Conn> = Vec::new();
    let mut fds: Vec<PollFd> = Vec::new();
    let mut ready: Vec<usize> = Vec::new();
    for l in &listeners {
        if let Err(e) = l.set_nonblocking(true) {
            eprintln!("gatelite: listener setup failed: {e}");
        }
    }
    let _ = doorbell.set_nonblocking(true);
    loop {
        if shared.is_stopping() {
            break;
        }
        conns.append(&mut shared.take_returned());
        let now = Instant::now();
        let timeout = conns
            .iter()
            .map(|c| c.deadline.saturating_duration_since(now))
            .min();

        fds.clear();
        fds.push(PollFd::readable(doorbell.as_raw_fd()));
        fds.extend(listeners.iter().map(|l| PollFd::readable(l.as_raw_fd())));
        fds.extend(conns.iter().map(|c| PollFd::readable(c.stream.as_raw_fd())));
        if let Err(e) = sys::poll_fds(&mut fds, timeout) {
            eprintln!("gatelite: poll failed: {e}");
            std::thread::sleep(Duration::from_millis(10));
            continue;
        }

        if fds.first().is_some_and(PollFd::is_ready) {
            drain(&doorbell);
        }
        let first_conn = 1 + listeners.len();
        for (i, l) in listeners.iter().enumerate() {
            if fds.get(1 + i).is_some_and(PollFd::is_ready) {
                accept_batch(&shared, l, &mut conns);
            }
        }
        // Ready and expired connections leave the set; walk from the end so
        // swap_remove never moves an entry we have yet to look at.
        let now = Instant::now();
        ready.clear();
        for (i, fd) in fds.iter().enumerate().skip(first_conn) {
            let idx = i - first_conn;
            let expired = conns.get(idx).is_some_and(|c| c.deadline <= now);
            if fd.is_ready() || expired {
                ready.push(idx);
            }
        }
        for &idx in ready.iter().rev() {
            if idx >= conns.len() {
                continue;
            }
            let conn = conns.swap_remove(idx);
            let is_ready = fds.get(first_conn + idx).is_some_and(PollFd::is_ready);
            if is_ready {
                dispatch(&shared, conn);
            } else {
                // Deadline passed: header or idle timeout. Just close.
                let _ = conn.stream.shutdown(Shutdown::Both);
            }
        }
    }
    // Shutdown: stop accepting (listeners drop here) and close idle connections.
    drop(listeners);
    drop(conns);
}

/// Accepts what is waiting on `listener`.
fn accept_batch(shared: &Shared, listener: &TcpListener, conns: &mut Vec<Conn>) {
    let header_timeout = shared.gateway().config.client_timeouts.header;
    for _ in 0..ACCEPT_BATCH {
        match listener.accept() {
            Ok((stream, peer)) => {
                if conns.len() >= MAX_WATCHED {
                    drop(stream);
                    continue;
                }
                let ok = stream.set_nodelay(true).is_ok()
                    && stream.set_nonblocking(false).is_ok()
                    && stream.set_read_timeout(Some(super::conn::LINGER)).is_ok()
                    && stream.set_write_timeout(Some(CLIENT_WRITE_TIMEOUT)).is_ok();
                if ok {
                    conns.push(Conn::new(stream, peer, header_timeout));
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

/// Hands a readable connection to the workers, or sheds it.
fn dispatch(shared: &Shared, conn: Conn) {
    if let Err(conn) = shared.queue.try_push(conn) {
        shed(conn);
    }
}

/// All workers busy and the queue full: answer 503 now and close.
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
