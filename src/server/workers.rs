//! The fixed pool of worker threads (the Rust Book's `ThreadPool`, made
//! robust): N threads take jobs from the scheduler and do them. A panic
//! while serving one job is caught at that boundary, counted and logged;
//! the worker lives on and no lock is left poisoned for the others
//! (STYLE.md §2.6). Shutdown closes the scheduler, and each worker exits
//! when it is closed and empty.

use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::conn::{self, Next};
use super::queue::{Finished, Task};
use super::watcher::Poller;
use super::Shared;
use crate::util::io::ReadBuf;

/// The running workers.
#[derive(Debug)]
pub struct Pool {
    /// Each worker holds a sender; when all have exited the channel disconnects.
    exited: mpsc::Receiver<()>,
    handles: Vec<std::thread::JoinHandle<()>>,
}

impl Pool {
    /// Starts `n` workers.
    pub fn start(shared: Arc<Shared>, n: usize) -> io::Result<Pool> {
        let (tx, exited) = mpsc::channel::<()>();
        let mut handles = Vec::with_capacity(n);
        for i in 0..n {
            let shared = Arc::clone(&shared);
            let tx = tx.clone();
            let h = std::thread::Builder::new()
                .name(format!("gatelite-worker-{i}"))
                .stack_size(256 * 1024)
                .spawn(move || {
                    work(&shared);
                    drop(tx);
                })?;
            handles.push(h);
        }
        Ok(Pool { exited, handles })
    }

    /// Waits up to `limit` for every worker to exit; false on timeout.
    pub fn join(self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.exited.recv_timeout(left) {
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => return false,
                Ok(()) => {}
            }
        }
        for h in self.handles {
            let _ = h.join();
        }
        true
    }
}

fn work(shared: &Shared) {
    // The worker's read buffer, lent to each connection it serves.
    let mut buf = ReadBuf::new(conn::READ_BUF_INITIAL, conn::READ_BUF_INITIAL);
    // Its scratch space for the turns it holds the poll token.
    let mut poller = Poller::default();
    let mut finished = Finished::Nothing;
    while let Some(task) = shared.jobs.next(finished) {
        let job = match task {
            Task::Job(job) => job,
            Task::Poll => {
                poller.poll(shared, None);
                finished = Finished::Polled;
                continue;
            }
        };
        let served = catch_unwind(AssertUnwindSafe(|| conn::serve(shared, job, &mut buf)));
        buf.shrink_to(conn::READ_BUF_INITIAL);
        finished = match served {
            Ok(Next::Watch(c)) => {
                shared.give_back(c);
                Finished::Released
            }
            Ok(Next::Park(p)) => {
                shared.park(p);
                Finished::Parked
            }
            Ok(Next::Done) => Finished::Released,
            Err(_) => {
                shared.panics.fetch_add(1, Ordering::Relaxed);
                eprintln!("gatelite: a request handler panicked; the connection was closed");
                Finished::Released
            }
        };
    }
}
