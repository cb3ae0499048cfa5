//! Waiting for sockets: the poll step that turns readiness events into
//! jobs, and the watcher thread that keeps deadlines and stands in when
//! every worker is busy.
//!
//! Every socket with nothing to read yet — client connections between
//! requests or with half a head, upstream connections whose answer has not
//! come — waits in the [`WaitSet`](super::wait_set::WaitSet), armed one-shot
//! in one epoll set, together with the listening sockets and a doorbell.
//!
//! ## The poll step ([`Poller::poll`])
//!
//! Whoever holds the scheduler's poll token (an idle worker, usually; see
//! `queue.rs`) waits in `epoll_wait` and handles what it reports: a
//! listener accepts new connections into the wait set; a readable client
//! connection becomes a *fresh* job — or, when that lane is full, an
//! immediate `503` with `Retry-After` (load shedding); a readable upstream
//! socket becomes a *resume* job for the request waiting on it.
//!
//! ## The watcher thread ([`run`])
//!
//! It never waits in `epoll_wait`. Every tick it sweeps the deadlines
//! (closing client connections past their header or idle timeout, turning
//! requests whose upstream stayed silent past its read timeout into
//! `504`s), wakes an idle worker for a job that waited too long, and — the
//! safety net — polls once without waiting if no worker holds the token,
//! so that accepting and shedding go on even while every worker is stuck
//! in a long body. At shutdown it closes the listeners and the idle
//! connections, then waits until no request is in flight (or the drain
//! deadline passes).

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::conn::{Conn, Job};
use super::queue::{Backlog, STALE_AFTER};
use super::wait_set::Waiter;
use super::Shared;
use crate::pipeline::reject;
use crate::sys::EpollEvent;

/// Most client connections the wait set holds; beyond this new ones are
/// refused (file descriptors and memory are finite).
pub const MAX_WATCHED: usize = 16_384;

/// Most connections accepted per listener per event (fairness to the rest).
const ACCEPT_BATCH: usize = 256;

/// Most readiness events taken from the kernel per poll.
const EVENT_BATCH: usize = 256;

/// Client-side write timeout for every connection.
pub const CLIENT_WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// Longest the watcher sleeps between two looks at the world when a worker
/// is polling and nothing is due. While nobody polls it looks every
/// [`STALE_AFTER`]: that bounds how late an event is seen while every
/// worker is busy.
const WATCH_TICK: Duration = Duration::from_millis(10);

/// The epoll token of the doorbell (waiter tokens are slot indices, far below).
pub const DOORBELL_TOKEN: u64 = u64::MAX;

/// Most listeners (`listen` lines); their tokens sit just below the doorbell's.
pub const MAX_LISTENERS: usize = 1024;

/// The epoll token of listener `i`.
pub fn listener_token(i: usize) -> u64 {
    u64::MAX - 1 - i as u64
}

/// The listener index of an epoll token, if it is a listener's.
fn listener_index(token: u64) -> Option<usize> {
    let i = u64::MAX.checked_sub(1)?.checked_sub(token)?;
    usize::try_from(i).ok().filter(|&i| i < MAX_LISTENERS)
}

/// One thread's scratch space for polling, reused across polls.
#[derive(Debug)]
pub struct Poller {
    events: Vec<EpollEvent>,
    tokens: Vec<u64>,
    ready: Vec<Waiter>,
}

impl Default for Poller {
    fn default() -> Self {
        Poller {
            events: vec![EpollEvent::EMPTY; EVENT_BATCH],
            tokens: Vec::with_capacity(EVENT_BATCH),
            ready: Vec::with_capacity(EVENT_BATCH),
        }
    }
}

impl Poller {
    /// Waits up to `timeout` (`None`: until something happens) for
    /// readiness events and turns them into jobs. The caller holds the
    /// poll token.
    pub fn poll(&mut self, shared: &Shared, timeout: Option<Duration>) {
        let n = match shared.epoll.wait(&mut self.events, timeout) {
            Ok(n) => n,
            Err(e) => {
                eprintln!("gatelite: epoll_wait failed: {e}");
                std::thread::sleep(Duration::from_millis(10));
                return;
            }
        };
        self.tokens.clear();
        for ev in self.events.iter().take(n) {
            match ev.token() {
                DOORBELL_TOKEN => shared.drain_doorbell(),
                t => match listener_index(t) {
                    Some(i) => {
                        if let Some(l) = shared.listener(i) {
                            accept_batch(shared, &l);
                        }
                    }
                    None => self.tokens.push(t),
                },
            }
        }
        shared.waiting.take(&self.tokens, &mut self.ready);
        for w in self.ready.drain(..) {
            dispatch(shared, w);
        }
    }
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

/// The watcher thread: deadlines, stale jobs, the safety-net poll, and the
/// drain at shutdown. Returns once shutdown has drained.
pub fn run(shared: Arc<Shared>) {
    let mut poller = Poller::default();
    let mut ready: Vec<Waiter> = Vec::new();
    let mut next_sweep = Instant::now() + sweep_interval(&shared);
    let mut jobs_waiting = false;
    let mut closed_listeners = false;
    loop {
        if shared.is_stopping() {
            if !closed_listeners {
                // Stop accepting and close the idle connections.
                closed_listeners = true;
                shared.close_listeners();
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
        let mut tick = next_sweep
            .saturating_duration_since(Instant::now())
            .min(WATCH_TICK);
        // Look often while jobs wait, or while nobody polls (every worker
        // is busy): then this thread is the only one watching the sockets.
        if jobs_waiting || shared.is_stopping() || !shared.jobs.is_polling() {
            tick = tick.min(STALE_AFTER);
        }
        std::thread::park_timeout(tick);

        let now = Instant::now();
        if now >= next_sweep {
            shared.waiting.expire(now, false, &mut ready);
            let mut expired = false;
            for w in ready.drain(..) {
                match w {
                    // Header or idle timeout: just close.
                    Waiter::Client(c) => {
                        let _ = c.stream.shutdown(Shutdown::Both);
                    }
                    Waiter::Upstream(p) => {
                        shared.jobs.push_resume(Job::Expired(p));
                        expired = true;
                    }
                }
            }
            if expired {
                // With every other worker asleep, the one in epoll_wait
                // must hear of the 504s to write.
                shared.ring();
            }
            next_sweep = now + sweep_interval(&shared);
        }
        // The safety net: nobody is polling (every worker is busy), so look
        // at the sockets once, without waiting.
        if shared.jobs.try_take_token(now) {
            poller.poll(&shared, Some(Duration::ZERO));
            shared.jobs.release_token();
        }
        jobs_waiting = match shared.jobs.wake_stale(now) {
            Backlog::None => false,
            Backlog::Waiting => true,
            Backlog::NobodyIdle => {
                shared.ring();
                true
            }
        };
    }
    // Whatever still waits (past the drain deadline) is closed here.
    drop(shared.waiting.drain());
}

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
                // Blocking with timeouts: a worker reads only once epoll
                // saw bytes, and the timeout bounds the waits for a body.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listener_tokens_round_trip_and_stay_clear_of_the_others() {
        for i in [0, 1, MAX_LISTENERS - 1] {
            assert_eq!(listener_index(listener_token(i)), Some(i));
        }
        assert_eq!(listener_index(DOORBELL_TOKEN), None);
        assert_eq!(listener_index(0), None);
        assert_eq!(listener_index(MAX_WATCHED as u64), None);
    }
}
