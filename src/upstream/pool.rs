//! A pool of idle keep-alive connections to one server.
//!
//! Opening a TCP connection costs a round trip and, on the upstream, an
//! accept; reusing one costs nothing. So after a response has been read to
//! its end, and the server did not say `Connection: close`, the connection
//! goes back here. The pool is bounded (`keepalive N` idle connections per
//! server; more are closed) and so is idle age: an old connection may have
//! been closed by the server's own keep-alive timer, and sending a request
//! into a closing socket is the classic source of spurious 502s.
//!
//! Before reuse a connection idle for a while is *probed* (STYLE.md §1.15): a zero-timeout
//! `poll(2)` for readability. Not readable means alive and silent — what we
//! want. Readable means the server closed it (EOF) or sent something unasked;
//! either way it is dropped. Most recently used connections are taken first
//! (LIFO): they are the likeliest to be alive, and the old ones age out.
//!
//! The mutex guards only the push/pop of the list; probing happens after the
//! lock is released.

use std::net::TcpStream;
use std::sync::Mutex;
use std::time::Duration;

use crate::sys;

#[derive(Debug)]
struct Idle {
    stream: TcpStream,
    since: Duration,
}

/// A connection idle for less than this is reused without the probe: a
/// server closes idle connections after seconds, not milliseconds, and under
/// load (the common case of a very short idle time) the probe's syscall is
/// a measurable share of the request. A connection that died anyway is
/// caught by the proxy's retry of idempotent requests.
pub const PROBE_AFTER: Duration = Duration::from_millis(250);

/// Idle connections to one server.
#[derive(Debug)]
pub struct Pool {
    idle: Mutex<Vec<Idle>>,
    max_idle: usize,
    max_age: Duration,
}

impl Pool {
    /// A pool keeping at most `max_idle` connections, each for at most `max_age`.
    pub fn new(max_idle: usize, max_age: Duration) -> Self {
        Pool {
            idle: Mutex::new(Vec::with_capacity(max_idle.min(1024))),
            max_idle,
            max_age,
        }
    }

    /// A live idle connection, if there is one. `now` is monotonic time.
    pub fn take(&self, now: Duration) -> Option<TcpStream> {
        loop {
            // The guard is a temporary of this statement: it is dropped
            // before the probe below does a syscall.
            let idle = self.lock().pop()?;
            let age = now.saturating_sub(idle.since);
            if age <= self.max_age && (age < PROBE_AFTER || is_alive(&idle.stream)) {
                return Some(idle.stream);
            }
        }
    }

    /// Keeps `stream` for reuse (or closes it when the pool is full).
    pub fn put(&self, stream: TcpStream, now: Duration) {
        let mut idle = self.lock();
        if idle.len() < self.max_idle {
            idle.push(Idle { stream, since: now });
            return;
        }
        drop(idle);
        drop(stream);
    }

    /// Idle connections right now.
    pub fn idle_count(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Idle>> {
        // A Vec push/pop cannot be left half-done, so poisoning is ignored.
        self.idle.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The liveness probe: alive = nothing to read (no data, no EOF), one syscall.
fn is_alive(stream: &TcpStream) -> bool {
    matches!(sys::wait_readable(stream, Duration::ZERO), Ok(false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::TcpListener;

    fn pair() -> (TcpStream, TcpStream) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (s, _) = l.accept().unwrap();
        (c, s)
    }

    #[test]
    fn reuses_live_connections_most_recent_first() {
        let pool = Pool::new(2, Duration::from_secs(10));
        let (a, _sa) = pair();
        let (b, _sb) = pair();
        let b_port = b.local_addr().unwrap().port();
        pool.put(a, Duration::ZERO);
        pool.put(b, Duration::ZERO);
        let got = pool.take(Duration::from_secs(1)).unwrap();
        assert_eq!(got.local_addr().unwrap().port(), b_port);
    }

    #[test]
    fn closed_talkative_and_old_connections_are_dropped() {
        let pool = Pool::new(8, Duration::from_secs(10));
        let (closed, server_side) = pair();
        drop(server_side);
        let (talkative, mut s2) = pair();
        s2.write_all(b"HTTP/1.1 200 OK\r\n").unwrap();
        let (old, _s3) = pair();
        pool.put(old, Duration::ZERO);
        pool.put(closed, Duration::from_secs(20));
        pool.put(talkative, Duration::from_secs(20));
        // Loopback delivers the FIN and the bytes within the sender's own
        // syscall, so the probe sees them at once.
        assert!(pool.take(Duration::from_secs(21)).is_none());
        assert_eq!(pool.idle_count(), 0);
    }

    #[test]
    fn full_pool_closes_extra_connections() {
        let pool = Pool::new(1, Duration::from_secs(10));
        let (a, _sa) = pair();
        let (b, _sb) = pair();
        pool.put(a, Duration::ZERO);
        pool.put(b, Duration::ZERO);
        assert_eq!(pool.idle_count(), 1);
    }
}
