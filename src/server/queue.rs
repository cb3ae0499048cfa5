//! A bounded hand-off queue between the idle watcher and the workers.
//!
//! Why not `mpsc::channel`? It is unbounded: under overload it would queue
//! connections forever and every client would time out. A gateway must shed
//! load instead, quickly and visibly: [`WorkQueue::try_push`] fails when the
//! queue holds `capacity` items, and the caller answers `503` with
//! `Retry-After` at once (STYLE.md §2.4).
//!
//! The lock is held only to push or pop one item; waiting happens on the
//! condition variable, which releases the lock while it sleeps.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard};

/// A bounded multi-producer, multi-consumer queue.
#[derive(Debug)]
pub struct WorkQueue<T> {
    state: Mutex<State<T>>,
    not_empty: Condvar,
    capacity: usize,
}

#[derive(Debug)]
struct State<T> {
    items: VecDeque<T>,
    closed: bool,
    /// Consumers asleep in `pop`: a push wakes one only when there is one
    /// (a futex wake is a syscall; busy workers need none).
    sleepers: usize,
}

impl<T> WorkQueue<T> {
    /// A queue that holds at most `capacity` items (at least 1).
    pub fn new(capacity: usize) -> Self {
        WorkQueue {
            state: Mutex::new(State {
                items: VecDeque::new(),
                closed: false,
                sleepers: 0,
            }),
            not_empty: Condvar::new(),
            capacity: capacity.max(1),
        }
    }

    /// The queue's data stays consistent even if a holder panicked (each
    /// critical section is one push or pop), so poisoning is ignored.
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds an item, or gives it back when the queue is full or closed.
    pub fn try_push(&self, item: T) -> Result<(), T> {
        let mut s = self.lock();
        if s.closed || s.items.len() >= self.capacity {
            return Err(item);
        }
        s.items.push_back(item);
        let wake = s.sleepers > 0;
        drop(s);
        if wake {
            self.not_empty.notify_one();
        }
        Ok(())
    }

    /// Takes the oldest item, waiting for one; `None` once the queue is
    /// closed and empty (the worker's signal to exit).
    pub fn pop(&self) -> Option<T> {
        let mut s = self.lock();
        loop {
            if let Some(item) = s.items.pop_front() {
                return Some(item);
            }
            if s.closed {
                return None;
            }
            s.sleepers += 1;
            s = self.not_empty.wait(s).unwrap_or_else(|p| p.into_inner());
            s.sleepers -= 1;
        }
    }

    /// How many items wait.
    pub fn len(&self) -> usize {
        self.lock().items.len()
    }

    /// True when nothing waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Refuses new items and wakes every waiting consumer; items already
    /// queued are still handed out.
    pub fn close(&self) {
        self.lock().closed = true;
        self.not_empty.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn full_queue_refuses_and_returns_the_item() {
        let q = WorkQueue::new(2);
        assert!(q.try_push(1).is_ok());
        assert!(q.try_push(2).is_ok());
        assert_eq!(q.try_push(3), Err(3));
        assert_eq!(q.pop(), Some(1));
        assert!(q.try_push(3).is_ok());
    }

    #[test]
    fn close_drains_then_releases_all_consumers() {
        let q = Arc::new(WorkQueue::new(4));
        q.try_push(7).unwrap();
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let q = Arc::clone(&q);
                std::thread::spawn(move || {
                    let mut got = Vec::new();
                    while let Some(x) = q.pop() {
                        got.push(x);
                    }
                    got
                })
            })
            .collect();
        q.close();
        let all: Vec<i32> = waiters
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        assert_eq!(all, vec![7]);
        assert_eq!(q.try_push(8), Err(8));
    }
}
