//! The wait set: everything that waits for a socket to become readable
//! without a thread — client connections between requests (or with half a
//! head), and requests waiting for their upstream's answer — filed under
//! the token the socket is armed with in the server's epoll set.
//!
//! Workers *park* what they are done with for now: they file it and arm
//! its socket. The poller *takes* what epoll reported readable, and the
//! watcher *expires* what waited past its deadline. Filing and arming
//! happen under one lock, so the poller never sees an event for an empty
//! slot and the expiry sweep never closes a socket a worker is about to
//! arm. Arming is `epoll_ctl`, which edits a kernel table and never
//! blocks, so the critical sections stay short.
//!
//! Slots are reused through a free list; a token is a slot index. Sockets
//! are armed one-shot, so a socket cannot be reported again between being
//! taken and being parked again (under its new token): a stale token never
//! names the wrong waiter.

use std::io;
use std::net::TcpStream;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use super::conn::{Conn, Parked};
use crate::sys::Epoll;

/// Something that waits for its socket.
#[derive(Debug)]
pub enum Waiter {
    /// A client connection waiting for (the rest of) a request.
    Client(Conn),
    /// A request waiting for its upstream's answer.
    Upstream(Box<Parked>),
}

impl Waiter {
    /// The socket whose readability ends the wait.
    fn socket(&self) -> &TcpStream {
        match self {
            Waiter::Client(c) => &c.stream,
            Waiter::Upstream(p) => p.exchange.socket(),
        }
    }

    /// When waiting ends anyway.
    fn deadline(&self) -> Instant {
        match self {
            Waiter::Client(c) => c.deadline,
            Waiter::Upstream(p) => p.deadline,
        }
    }
}

/// Everything waiting for a socket; see the module doc.
#[derive(Debug, Default)]
pub struct WaitSet {
    slots: Mutex<Slots>,
}

#[derive(Debug, Default)]
struct Slots {
    entries: Vec<Option<Waiter>>,
    free: Vec<usize>,
    clients: usize,
}

impl WaitSet {
    /// An empty set.
    pub fn new() -> Self {
        WaitSet::default()
    }

    /// The slots stay consistent even if a holder panicked (each critical
    /// section is one insert or take), so poisoning is ignored.
    fn lock(&self) -> MutexGuard<'_, Slots> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How many client connections wait.
    pub fn clients(&self) -> usize {
        self.lock().clients
    }

    /// Files `w` and arms its socket in `epoll`. On failure `w` comes back.
    pub fn park(&self, w: Waiter, epoll: &Epoll) -> Result<(), (Waiter, io::Error)> {
        let mut s = self.lock();
        let idx = match s.free.pop() {
            Some(i) => i,
            None => {
                s.entries.push(None);
                s.entries.len() - 1
            }
        };
        if let Err(e) = epoll.arm(w.socket(), idx as u64) {
            s.free.push(idx);
            return Err((w, e));
        }
        let is_client = matches!(w, Waiter::Client(_));
        match s.entries.get_mut(idx) {
            Some(slot) => *slot = Some(w),
            None => return Err((w, io::Error::other("wait set slot vanished"))),
        }
        if is_client {
            s.clients += 1;
        }
        Ok(())
    }

    /// Moves the waiters filed under `tokens` into `out` (tokens of empty
    /// slots are ignored).
    pub fn take(&self, tokens: &[u64], out: &mut Vec<Waiter>) {
        let mut s = self.lock();
        for &t in tokens {
            let Ok(idx) = usize::try_from(t) else {
                continue;
            };
            if let Some(w) = s.entries.get_mut(idx).and_then(Option::take) {
                s.free.push(idx);
                if matches!(w, Waiter::Client(_)) {
                    s.clients -= 1;
                }
                out.push(w);
            }
        }
    }

    /// Moves the waiters whose deadline is not after `now` into `out`;
    /// `clients_only` takes every client connection instead (shutdown).
    pub fn expire(&self, now: Instant, clients_only: bool, out: &mut Vec<Waiter>) {
        let mut s = self.lock();
        let Slots {
            entries,
            free,
            clients,
        } = &mut *s;
        for (idx, slot) in entries.iter_mut().enumerate() {
            let due = slot.as_ref().is_some_and(|w| match w {
                Waiter::Client(_) if clients_only => true,
                _ if clients_only => false,
                w => w.deadline() <= now,
            });
            if let Some(w) = slot.take_if(|_| due) {
                free.push(idx);
                if matches!(w, Waiter::Client(_)) {
                    *clients -= 1;
                }
                out.push(w);
            }
        }
    }

    /// Empties the set, returning everything in it.
    pub fn drain(&self) -> Vec<Waiter> {
        let mut s = self.lock();
        let all: Vec<Waiter> = s.entries.iter_mut().filter_map(Option::take).collect();
        *s = Slots::default();
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::TcpListener;
    use std::time::Duration;

    fn client(l: &TcpListener, timeout: Duration) -> (Waiter, TcpStream) {
        let peer_side = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (s, peer) = l.accept().unwrap();
        (Waiter::Client(Conn::new(s, peer, timeout)), peer_side)
    }

    #[test]
    fn parked_waiters_are_reported_by_token_and_taken_once() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let ep = Epoll::new().unwrap();
        let set = WaitSet::new();
        let (a, mut pa) = client(&l, Duration::from_secs(10));
        let (b, _pb) = client(&l, Duration::from_secs(10));
        set.park(a, &ep).unwrap();
        set.park(b, &ep).unwrap();
        assert_eq!(set.clients(), 2);
        pa.write_all(b"GET").unwrap();
        let mut events = [crate::sys::EpollEvent::EMPTY; 4];
        assert_eq!(
            ep.wait(&mut events, Some(Duration::from_secs(5))).unwrap(),
            1
        );
        let token = events[0].token();
        let mut out = Vec::new();
        set.take(&[token, token], &mut out);
        assert_eq!((out.len(), set.clients()), (1, 1));
        // Parked again, it reuses the free slot and is armed again.
        set.park(out.pop().unwrap(), &ep).unwrap();
        assert_eq!(
            ep.wait(&mut events, Some(Duration::from_secs(5))).unwrap(),
            1
        );
        assert_eq!(events[0].token(), token);
    }

    #[test]
    fn expired_waiters_leave_the_set() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let ep = Epoll::new().unwrap();
        let set = WaitSet::new();
        let (short, _p1) = client(&l, Duration::ZERO);
        let (long, _p2) = client(&l, Duration::from_secs(60));
        set.park(short, &ep).unwrap();
        set.park(long, &ep).unwrap();
        let mut out = Vec::new();
        set.expire(Instant::now(), false, &mut out);
        assert_eq!((out.len(), set.clients()), (1, 1));
        set.expire(Instant::now(), true, &mut out);
        assert_eq!((out.len(), set.clients()), (2, 0));
        assert!(set.drain().is_empty());
    }
}
