//! The scheduler between the sockets and the workers: two lanes of jobs,
//! a fixed number of request slots, the poll token, and idle workers woken
//! last in, first out.
//!
//! ## Lanes
//!
//! *Fresh* jobs are client connections with new bytes: work the gateway has
//! not yet taken on. Their lane is bounded (`queue`): when it is full the
//! poller answers `503` with `Retry-After` at once instead of letting the
//! client wait for a worker that may never come (load shedding, STYLE.md
//! §2.4). *Resume* jobs are requests already in flight whose upstream has
//! answered (or timed out); they are never refused, and workers take them
//! first, because finishing work frees what new work needs.
//!
//! ## Slots
//!
//! `workers N` bounds the requests being processed at once. A request holds
//! a slot from the moment a worker takes its connection until its response
//! is written — also while it waits for its upstream without a worker (see
//! `conn.rs`). A fresh job is handed out only when a slot is free, so with
//! `workers 1` one slow upstream request makes the next client wait in the
//! lane, and the one after that get a `503`: the same promise a
//! thread-per-request server makes, without tying a thread to the wait.
//!
//! ## Waking workers
//!
//! Waking a sleeping thread costs a context switch, the single most
//! expensive thing a blocking server does per request. So a push wakes an
//! idle worker only when fewer workers are running than the machine has
//! cores; otherwise a running worker takes the job when it finishes its
//! current one, microseconds later. Idle workers are a stack: the one woken
//! is the one that went to sleep last, whose stack and buffers are still in
//! the CPU caches, while the rest stay asleep. In case a running worker is
//! stuck in something slow (a big body, a slow client), the watcher calls
//! [`Scheduler::wake_stale`] and a job that waited [`STALE_AFTER`] wakes an
//! idle worker regardless.
//!
//! ## The poll token (leader/follower)
//!
//! Jobs come from readiness events, and someone must wait for those in
//! `epoll_wait`. Handing every event from a dedicated thread to a worker
//! would cost two context switches per event. Instead, a worker that finds
//! no job takes the *poll token*, if nobody holds it, and waits for events
//! itself ([`Task::Poll`]); it turns them into jobs, gives the token back and
//! takes one of those jobs — no hand-off. Under load a worker that finishes
//! a job usually finds the next one already queued or ready in the kernel,
//! and nobody sleeps. This is the leader/follower pattern (Schmidt et al.,
//! *Pattern-Oriented Software Architecture*, vol. 2). Only one thread holds
//! the token, so the other idle workers sleep until a push needs them.
//!
//! The lock is held only to push or pop one job; sleeping happens outside
//! it (`thread::park`), and so does polling.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

/// How long a job may wait for a running worker before an idle one is woken.
pub const STALE_AFTER: Duration = Duration::from_millis(1);

/// What [`Scheduler::wake_stale`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backlog {
    /// No job a worker could take waits.
    None,
    /// Jobs wait (and an idle worker was woken if they waited too long).
    Waiting,
    /// A job waited too long and no worker is idle: the one waiting in
    /// `epoll_wait`, if any, must be woken to take it.
    NobodyIdle,
}

/// What a worker did with its previous task, as it asks for the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finished {
    /// It had none (the worker just started).
    Nothing,
    /// Its request is done (or it was no request): the slot is free.
    Released,
    /// Its request now waits for the upstream and keeps its slot.
    Parked,
    /// It polled for events and gives the poll token back.
    Polled,
}

/// What a worker is to do next.
#[derive(Debug, PartialEq, Eq)]
pub enum Task<T> {
    /// Do this job.
    Job(T),
    /// Hold the poll token: wait for readiness events and turn them into
    /// jobs, then report [`Finished::Polled`].
    Poll,
}

/// Jobs for the workers; see the module doc.
#[derive(Debug)]
pub struct Scheduler<T> {
    state: Mutex<State<T>>,
    capacity: usize,
    slots: usize,
    max_running: usize,
}

#[derive(Debug)]
struct State<T> {
    fresh: VecDeque<(Instant, T)>,
    resume: VecDeque<(Instant, T)>,
    /// Sleeping workers, the most recent last.
    idle: Vec<Thread>,
    /// Workers holding a job.
    running: usize,
    /// Workers woken and not yet back in `next`: they count as running,
    /// so a burst of pushes wakes one worker, not one per job.
    waking: usize,
    /// Requests in process: held by a worker or waiting for an upstream.
    slots_used: usize,
    /// Somebody holds the poll token.
    polling: bool,
    /// When the token was last given back (while nobody holds it).
    token_free_since: Option<Instant>,
    closed: bool,
}

impl<T> State<T> {
    /// True when a job an idle worker could take is queued.
    fn has_work(&self, slots: usize) -> bool {
        !self.resume.is_empty() || (!self.fresh.is_empty() && self.slots_used < slots)
    }

    /// Takes the most recently idle worker off the stack, to be woken.
    fn pop_idle(&mut self) -> Option<Thread> {
        let t = self.idle.pop()?;
        self.waking += 1;
        Some(t)
    }
}

impl<T> Scheduler<T> {
    /// A scheduler for `slots` concurrent requests, at most `capacity`
    /// fresh jobs waiting, and `max_running` workers running before a push
    /// leaves its job to them instead of waking another.
    pub fn new(capacity: usize, slots: usize, max_running: usize) -> Self {
        Scheduler {
            state: Mutex::new(State {
                fresh: VecDeque::new(),
                resume: VecDeque::new(),
                idle: Vec::new(),
                running: 0,
                waking: 0,
                slots_used: 0,
                polling: false,
                token_free_since: None,
                closed: false,
            }),
            capacity: capacity.max(1),
            slots: slots.max(1),
            max_running: max_running.max(1),
        }
    }

    /// The state stays consistent even if a holder panicked (each critical
    /// section is a push or a pop and a few counters), so poisoning is
    /// ignored.
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues new work, or gives it back when the fresh lane is full or
    /// the scheduler closed.
    pub fn push_fresh(&self, job: T) -> Result<(), T> {
        let mut s = self.lock();
        if s.closed || s.fresh.len() >= self.capacity {
            return Err(job);
        }
        s.fresh.push_back((Instant::now(), job));
        self.wake_if_useful(s);
        Ok(())
    }

    /// Queues work already in flight; never refused.
    pub fn push_resume(&self, job: T) {
        let mut s = self.lock();
        s.resume.push_back((Instant::now(), job));
        self.wake_if_useful(s);
    }

    /// Wakes the most recently idle worker when the job just pushed would
    /// otherwise wait: fewer workers run than `max_running`.
    fn wake_if_useful(&self, mut s: MutexGuard<'_, State<T>>) {
        if s.running + s.waking >= self.max_running || !s.has_work(self.slots) {
            return;
        }
        let woken = s.pop_idle();
        drop(s);
        if let Some(t) = woken {
            t.unpark();
        }
    }

    /// Called by the watcher: wakes an idle worker if the oldest job has
    /// waited [`STALE_AFTER`] (the running workers are busy for longer
    /// than usual).
    pub fn wake_stale(&self, now: Instant) -> Backlog {
        let mut s = self.lock();
        let oldest = s.resume.front().map(|(t, _)| *t);
        let oldest_fresh = if s.slots_used < self.slots {
            s.fresh.front().map(|(t, _)| *t)
        } else {
            None
        };
        let Some(oldest) = oldest.into_iter().chain(oldest_fresh).min() else {
            return Backlog::None;
        };
        if now.saturating_duration_since(oldest) < STALE_AFTER {
            return Backlog::Waiting;
        }
        match s.pop_idle() {
            Some(t) => {
                drop(s);
                t.unpark();
                Backlog::Waiting
            }
            None => Backlog::NobodyIdle,
        }
    }

    /// A worker reports what happened to its previous task and takes the
    /// next: a job, else the poll token, else it sleeps until there is
    /// one. `None` once the scheduler is closed and nothing waits (the
    /// worker's signal to exit).
    pub fn next(&self, finished: Finished) -> Option<Task<T>> {
        let mut s = self.lock();
        match finished {
            Finished::Nothing => {}
            Finished::Released => {
                s.running = s.running.saturating_sub(1);
                s.slots_used = s.slots_used.saturating_sub(1);
            }
            Finished::Parked => s.running = s.running.saturating_sub(1),
            Finished::Polled => {
                s.running = s.running.saturating_sub(1);
                s.polling = false;
                s.token_free_since = Some(Instant::now());
            }
        }
        loop {
            if let Some((_, job)) = s.resume.pop_front() {
                s.running += 1;
                return Some(Task::Job(job));
            }
            if s.slots_used < self.slots {
                if let Some((_, job)) = s.fresh.pop_front() {
                    s.running += 1;
                    s.slots_used += 1;
                    return Some(Task::Job(job));
                }
            }
            // Closed, and nothing left that could be handed out (fresh jobs
            // without a free slot are dropped with the scheduler: closed).
            if s.closed && s.resume.is_empty() && (s.fresh.is_empty() || s.slots_used >= self.slots)
            {
                return None;
            }
            if !s.polling && !s.closed {
                s.polling = true;
                s.token_free_since = None;
                s.running += 1;
                return Some(Task::Poll);
            }
            let me = thread::current();
            s.idle.push(me.clone());
            drop(s);
            thread::park();
            s = self.lock();
            match s.idle.iter().rposition(|t| t.id() == me.id()) {
                // Still on the stack: a spurious wake-up.
                Some(i) => {
                    s.idle.remove(i);
                }
                // Taken off the stack by whoever woke us.
                None => s.waking = s.waking.saturating_sub(1),
            }
        }
    }

    /// How many fresh jobs wait.
    pub fn len(&self) -> usize {
        self.lock().fresh.len()
    }

    /// True when no fresh job waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Takes the poll token if nobody has held it for [`STALE_AFTER`]
    /// (the watcher's safety net, for when every worker is busy with
    /// something long); give it back with [`Scheduler::release_token`].
    /// Under load workers take the token every few microseconds, and the
    /// watcher stays out of their way.
    pub fn try_take_token(&self, now: Instant) -> bool {
        let mut s = self.lock();
        let unattended = s
            .token_free_since
            .is_none_or(|t| now.saturating_duration_since(t) >= STALE_AFTER);
        if s.polling || !unattended {
            return false;
        }
        s.polling = true;
        true
    }

    /// Gives back a token taken with [`Scheduler::try_take_token`]. A
    /// worker that went to sleep because the token was taken is woken to
    /// take it, so that somebody polls.
    pub fn release_token(&self) {
        let mut s = self.lock();
        s.polling = false;
        s.token_free_since = Some(Instant::now());
        let woken = s.pop_idle();
        drop(s);
        if let Some(t) = woken {
            t.unpark();
        }
    }

    /// True while somebody holds the poll token.
    pub fn is_polling(&self) -> bool {
        self.lock().polling
    }

    /// True when nothing is queued and no request is in process.
    pub fn is_quiet(&self) -> bool {
        let s = self.lock();
        // Every request holds a slot, parked or not (a poller holds none).
        s.slots_used == 0 && s.fresh.is_empty() && s.resume.is_empty()
    }

    /// Workers holding a job right now.
    pub fn running(&self) -> usize {
        self.lock().running
    }

    /// Refuses new fresh jobs and wakes every idle worker; what is queued
    /// is still handed out.
    pub fn close(&self) {
        let mut s = self.lock();
        s.closed = true;
        let idle = std::mem::take(&mut s.idle);
        s.waking += idle.len();
        drop(s);
        for t in idle {
            t.unpark();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn job<T>(t: Option<Task<T>>) -> Option<T> {
        match t {
            Some(Task::Job(j)) => Some(j),
            _ => None,
        }
    }

    #[test]
    fn full_fresh_lane_refuses_and_returns_the_job() {
        let q = Scheduler::new(2, 8, 1);
        assert!(q.push_fresh(1).is_ok());
        assert!(q.push_fresh(2).is_ok());
        assert_eq!(q.push_fresh(3), Err(3));
        assert_eq!(job(q.next(Finished::Nothing)), Some(1));
        assert!(q.push_fresh(3).is_ok());
    }

    #[test]
    fn resumes_go_first_and_are_never_refused() {
        let q = Scheduler::new(1, 8, 1);
        q.push_fresh(1).unwrap();
        assert_eq!(job(q.next(Finished::Nothing)), Some(1));
        q.push_fresh(2).unwrap();
        // The lane holds one fresh job, but answers are always taken in.
        q.push_resume(10);
        q.push_resume(11);
        assert_eq!(job(q.next(Finished::Parked)), Some(10));
        assert_eq!(job(q.next(Finished::Parked)), Some(11));
        assert_eq!(job(q.next(Finished::Released)), Some(2));
    }

    #[test]
    fn parked_requests_keep_their_slot() {
        // One slot: while the first request waits for its upstream, a
        // fresh job stays queued; its resume finishes it and frees the slot.
        let q = Scheduler::new(4, 1, 1);
        q.push_fresh("a").unwrap();
        assert_eq!(job(q.next(Finished::Nothing)), Some("a"));
        q.push_fresh("b").unwrap();
        // No job can be handed out: the worker is given the poll token.
        assert_eq!(q.next(Finished::Parked), Some(Task::Poll));
        q.push_resume("a-answer");
        assert_eq!(job(q.next(Finished::Polled)), Some("a-answer"));
        assert_eq!(q.len(), 1);
        assert!(!q.is_quiet());
        assert_eq!(job(q.next(Finished::Released)), Some("b"));
        q.close();
        assert_eq!(q.next(Finished::Released), None);
        assert!(q.is_quiet());
    }

    #[test]
    fn one_poller_at_a_time() {
        let q: Scheduler<u8> = Scheduler::new(4, 4, 4);
        assert_eq!(q.next(Finished::Nothing), Some(Task::Poll));
        assert!(!q.try_take_token(Instant::now()), "the token is held");
        q.push_fresh(1).unwrap();
        assert_eq!(job(q.next(Finished::Polled)), Some(1));
        // Just given back: a worker will take it again in a moment.
        assert!(!q.try_take_token(Instant::now()));
        assert!(q.try_take_token(Instant::now() + STALE_AFTER));
        q.release_token();
    }

    /// Waits until `n` workers sleep in `next` (bounded condition poll).
    fn until_idle<T>(q: &Scheduler<T>, n: usize) {
        let start = Instant::now();
        while q.lock().idle.len() < n {
            assert!(start.elapsed() < Duration::from_secs(10));
            thread::yield_now();
        }
    }

    #[test]
    fn giving_back_a_borrowed_token_wakes_a_worker_to_poll() {
        // The watcher holds the token for a moment; a worker that finds no
        // job meanwhile sleeps, and must not sleep on once nobody polls.
        let q = Arc::new(Scheduler::<u8>::new(4, 4, 1));
        assert!(q.try_take_token(Instant::now()));
        let worker = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.next(Finished::Nothing))
        };
        until_idle(&q, 1);
        q.release_token();
        assert_eq!(worker.join().unwrap(), Some(Task::Poll));
        assert!(q.is_polling());
    }

    #[test]
    fn close_drains_then_releases_all_workers() {
        let q = Arc::new(Scheduler::new(4, 4, 1));
        q.push_fresh(7).unwrap();
        let workers: Vec<_> = (0..3)
            .map(|_| {
                let q = Arc::clone(&q);
                thread::spawn(move || {
                    let mut got = Vec::new();
                    let mut finished = Finished::Nothing;
                    while let Some(task) = q.next(finished) {
                        finished = match task {
                            Task::Job(x) => {
                                got.push(x);
                                Finished::Released
                            }
                            // Nothing to poll here; a real poller waits in epoll.
                            Task::Poll => {
                                thread::yield_now();
                                Finished::Polled
                            }
                        };
                    }
                    got
                })
            })
            .collect();
        q.close();
        let all: Vec<i32> = workers
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        assert_eq!(all, vec![7]);
        assert_eq!(q.push_fresh(8), Err(8));
    }

    #[test]
    fn a_stale_job_wakes_an_idle_worker() {
        let q = Arc::new(Scheduler::new(4, 4, 1));
        // Somebody polls, and one worker holds a job (it "runs"), so the
        // push below wakes nobody.
        assert!(q.try_take_token(Instant::now()));
        q.push_fresh(1).unwrap();
        assert_eq!(job(q.next(Finished::Nothing)), Some(1));
        let idle = {
            let q = Arc::clone(&q);
            thread::spawn(move || job(q.next(Finished::Nothing)))
        };
        until_idle(&q, 1);
        q.push_fresh(2).unwrap();
        assert_eq!(
            q.lock().idle.len(),
            1,
            "a push while a worker runs wakes nobody"
        );
        assert_eq!(q.wake_stale(Instant::now() + STALE_AFTER), Backlog::Waiting);
        assert_eq!(idle.join().unwrap(), Some(2));
    }
}
