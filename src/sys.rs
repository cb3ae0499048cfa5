//! The only `unsafe` in GateLite: the few libc functions that std does not
//! expose — `epoll(7)` to wait on many sockets at once (and `poll(2)` for
//! one), `signal(2)` +
//! `write(2)` to turn SIGTERM/SIGINT/SIGHUP into bytes on a pipe, and
//! `getrlimit(2)`/`setrlimit(2)` to allow as many open sockets as the
//! system lets us (the soft limit is often 1 024: too few for a gateway).
//!
//! Each call has a `SAFETY:` comment saying why it is sound. Everything else
//! in the crate builds on the safe wrappers below. Linux/Unix only.
#![allow(unsafe_code)]

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::os::raw::{c_int, c_short, c_ulong};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};
use std::time::Duration;

/// One entry of the `poll(2)` array, laid out exactly as `struct pollfd`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct PollFd {
    fd: c_int,
    events: c_short,
    revents: c_short,
}

/// There is data to read (or, on a listener, a connection to accept).
const POLLIN: c_short = 0x001;
/// Error condition (output only).
const POLLERR: c_short = 0x008;
/// The peer hung up (output only).
const POLLHUP: c_short = 0x010;
/// The fd is not open (output only).
const POLLNVAL: c_short = 0x020;

impl PollFd {
    /// Waits for `fd` to become readable.
    pub fn readable(fd: RawFd) -> Self {
        PollFd {
            fd,
            events: POLLIN,
            revents: 0,
        }
    }

    /// After `poll`: true when a read will not block (data, EOF or an error).
    pub fn is_ready(&self) -> bool {
        self.revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL) != 0
    }
}

/// `struct rlimit`.
#[repr(C)]
struct RLimit {
    cur: u64,
    max: u64,
}

/// `RLIMIT_NOFILE` on Linux.
const RLIMIT_NOFILE: c_int = 7;

extern "C" {
    fn getrlimit(resource: c_int, rlim: *mut RLimit) -> c_int;
    fn setrlimit(resource: c_int, rlim: *const RLimit) -> c_int;
    fn poll(fds: *mut PollFd, nfds: c_ulong, timeout: c_int) -> c_int;
    fn epoll_create1(flags: c_int) -> c_int;
    fn epoll_ctl(epfd: c_int, op: c_int, fd: c_int, event: *mut EpollEvent) -> c_int;
    fn epoll_wait(epfd: c_int, events: *mut EpollEvent, maxevents: c_int, timeout: c_int) -> c_int;
    fn signal(signum: c_int, handler: extern "C" fn(c_int)) -> usize;
    fn write(fd: c_int, buf: *const u8, count: usize) -> isize;
}

/// Raises the open-file soft limit to the hard limit; returns the limit now
/// in force.
pub fn raise_fd_limit() -> io::Result<u64> {
    let mut lim = RLimit { cur: 0, max: 0 };
    // SAFETY: `lim` is a valid, writable `struct rlimit` for the call's duration.
    if unsafe { getrlimit(RLIMIT_NOFILE, &mut lim) } != 0 {
        return Err(io::Error::last_os_error());
    }
    if lim.cur < lim.max {
        let want = RLimit {
            cur: lim.max,
            max: lim.max,
        };
        // SAFETY: `want` is a valid `struct rlimit`; raising the soft limit up
        // to the hard limit needs no privilege.
        if unsafe { setrlimit(RLIMIT_NOFILE, &want) } == 0 {
            return Ok(want.cur);
        }
    }
    Ok(lim.cur)
}

/// A timeout in whole milliseconds for `poll`/`epoll_wait` (`None` = -1,
/// forever), rounded up so a 0.4 ms wait does not become a busy loop of
/// 0 ms waits.
fn timeout_ms(timeout: Option<Duration>) -> c_int {
    match timeout {
        None => -1,
        Some(d) => c_int::try_from(d.as_micros().div_ceil(1000)).unwrap_or(c_int::MAX),
    }
}

/// Waits until at least one fd is ready or `timeout` passes (`None` = forever).
/// Returns how many are ready; an interrupted wait (a signal) returns 0.
pub fn poll_fds(fds: &mut [PollFd], timeout: Option<Duration>) -> io::Result<usize> {
    let ms = timeout_ms(timeout);
    let len = c_ulong::try_from(fds.len()).map_err(|_| io::Error::other("too many fds"))?;
    // SAFETY: `fds` is a valid, exclusively borrowed slice of `#[repr(C)]`
    // pollfd structs and `len` is its exact length, so the kernel reads and
    // writes only inside it. The call does not retain the pointer.
    let n = unsafe { poll(fds.as_mut_ptr(), len, ms) };
    ready_count(n)
}

/// The result of `poll`/`epoll_wait`: how many fds are ready; a wait
/// interrupted by a signal counts as none ready (the caller looks again).
fn ready_count(n: c_int) -> io::Result<usize> {
    if n < 0 {
        let err = io::Error::last_os_error();
        if err.kind() == io::ErrorKind::Interrupted {
            return Ok(0);
        }
        return Err(err);
    }
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Waits up to `timeout` for one fd to become readable.
pub fn wait_readable(fd: &impl AsRawFd, timeout: Duration) -> io::Result<bool> {
    let mut fds = [PollFd::readable(fd.as_raw_fd())];
    Ok(poll_fds(&mut fds, Some(timeout))? > 0 && fds[0].is_ready())
}

/// `struct epoll_event`: the kernel packs it on x86-64 (no padding between
/// the 32-bit mask and the 64-bit user data), and lays it out naturally
/// elsewhere.
#[cfg_attr(target_arch = "x86_64", repr(C, packed))]
#[cfg_attr(not(target_arch = "x86_64"), repr(C))]
#[derive(Clone, Copy)]
pub struct EpollEvent {
    events: u32,
    data: u64,
}

impl EpollEvent {
    /// An empty slot for [`Epoll::wait`] to fill.
    pub const EMPTY: EpollEvent = EpollEvent { events: 0, data: 0 };

    /// The token the fd was registered with.
    pub fn token(&self) -> u64 {
        self.data
    }
}

impl std::fmt::Debug for EpollEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Copies: a reference into a packed struct would be unaligned.
        let (events, data) = (self.events, self.data);
        write!(f, "EpollEvent({events:#x}, {data})")
    }
}

const EPOLL_CLOEXEC: c_int = 0o2_000_000;
const EPOLL_CTL_ADD: c_int = 1;
const EPOLL_CTL_MOD: c_int = 3;
/// "No such file or directory": `EPOLL_CTL_MOD` of an fd not in the set.
const ENOENT: i32 = 2;
/// Readable (also reported with EOF and errors, which a read then returns).
const EPOLLIN: u32 = 0x001;
/// Report the fd once, then disable it until it is re-armed with `MOD`.
const EPOLLONESHOT: u32 = 1 << 30;

/// An epoll instance: a kernel-side set of fds, each with a 64-bit token,
/// that reports which are readable without the caller passing the whole set
/// on every wait (poll(2)'s cost grows with the set; epoll's with the
/// number of ready fds).
///
/// Fds are registered *one-shot*: after one report an fd stays silent until
/// [`Epoll::arm`]. That is what lets one thread wait while others serve:
/// a connection a worker is reading from cannot be reported again meanwhile.
/// Closing a socket removes it from the set (we never duplicate fds).
#[derive(Debug)]
pub struct Epoll {
    fd: std::os::fd::OwnedFd,
}

impl Epoll {
    /// A new, empty set.
    pub fn new() -> io::Result<Epoll> {
        // SAFETY: no pointers are passed; the result is checked below.
        let fd = unsafe { epoll_create1(EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just returned by epoll_create1 and is owned by
        // nobody else, so OwnedFd may close it.
        let fd = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
        Ok(Epoll { fd })
    }

    /// Adds `fd` for good, level-triggered: reported whenever readable
    /// (for listeners and doorbells).
    pub fn watch(&self, fd: &impl AsRawFd, token: u64) -> io::Result<()> {
        self.ctl(EPOLL_CTL_ADD, fd.as_raw_fd(), EPOLLIN, token)
    }

    /// Arms `fd` one-shot under `token`: it is reported once, when
    /// readable, then stays silent until armed again. An fd already in the
    /// set (silent since its last report) is modified, the common case and
    /// one syscall; an fd new to the set is added.
    pub fn arm(&self, fd: &impl AsRawFd, token: u64) -> io::Result<()> {
        let fd = fd.as_raw_fd();
        match self.ctl(EPOLL_CTL_MOD, fd, EPOLLIN | EPOLLONESHOT, token) {
            Err(e) if e.raw_os_error() == Some(ENOENT) => {
                self.ctl(EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLONESHOT, token)
            }
            r => r,
        }
    }

    fn ctl(&self, op: c_int, fd: RawFd, events: u32, token: u64) -> io::Result<()> {
        let mut ev = EpollEvent {
            events,
            data: token,
        };
        // SAFETY: `ev` is a valid epoll_event for the duration of the call;
        // the kernel copies it and keeps no pointer. Bad fds are reported as
        // errors, not undefined behaviour.
        if unsafe { epoll_ctl(self.fd.as_raw_fd(), op, fd, &mut ev) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Waits until an fd is ready or `timeout` passes; fills the front of
    /// `events` and returns how many. An interrupted wait returns 0.
    pub fn wait(&self, events: &mut [EpollEvent], timeout: Option<Duration>) -> io::Result<usize> {
        let max = c_int::try_from(events.len()).unwrap_or(c_int::MAX);
        // SAFETY: `events` is an exclusively borrowed slice of `max` or more
        // epoll_event structs; the kernel writes at most `max` of them and
        // keeps no pointer after returning.
        let n = unsafe {
            epoll_wait(
                self.fd.as_raw_fd(),
                events.as_mut_ptr(),
                max,
                timeout_ms(timeout),
            )
        };
        ready_count(n)
    }
}

/// The signals GateLite reacts to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// SIGHUP: reload the config.
    Reload,
    /// SIGTERM or SIGINT: drain and exit.
    Terminate,
}

const SIGHUP: c_int = 1;
const SIGINT: c_int = 2;
const SIGTERM: c_int = 15;

/// Write end of the signal pipe (-1 until installed).
static SIGNAL_FD: AtomicI32 = AtomicI32::new(-1);
/// Bit 0: reload requested; bit 1: terminate requested.
static PENDING: AtomicU32 = AtomicU32::new(0);

extern "C" fn on_signal(sig: c_int) {
    let bit = if sig == SIGHUP { 1 } else { 2 };
    PENDING.fetch_or(bit, Ordering::SeqCst);
    let fd = SIGNAL_FD.load(Ordering::SeqCst);
    if fd >= 0 {
        let byte = 1u8;
        // SAFETY: write(2) is async-signal-safe; `byte` lives on this stack
        // frame for the duration of the call; the fd is the non-blocking write
        // end of a socket pair that `SignalPipe` keeps open for the life of
        // the process, so a full pipe returns EAGAIN instead of blocking.
        let _ = unsafe { write(fd, &byte, 1) };
    }
}

/// Receives SIGHUP/SIGTERM/SIGINT as values instead of interrupts
/// (the self-pipe trick).
#[derive(Debug)]
pub struct SignalPipe {
    reader: UnixStream,
    _writer: UnixStream,
}

impl SignalPipe {
    /// Installs the handlers. Call once per process.
    pub fn install() -> io::Result<SignalPipe> {
        let (reader, writer) = UnixStream::pair()?;
        writer.set_nonblocking(true)?;
        SIGNAL_FD.store(writer.as_raw_fd(), Ordering::SeqCst);
        for sig in [SIGHUP, SIGINT, SIGTERM] {
            // SAFETY: `on_signal` is an `extern "C" fn(c_int)` that only does
            // async-signal-safe work (atomics and write(2)); installing it
            // replaces the default action for these three signals only.
            unsafe { signal(sig, on_signal) };
        }
        Ok(SignalPipe {
            reader,
            _writer: writer,
        })
    }

    /// Blocks until a signal arrives; terminate wins over reload.
    pub fn wait(&self) -> Signal {
        use std::io::Read;
        let mut buf = [0u8; 64];
        loop {
            let pending = PENDING.swap(0, Ordering::SeqCst);
            if pending & 2 != 0 {
                return Signal::Terminate;
            }
            if pending & 1 != 0 {
                return Signal::Reload;
            }
            // Blocks until the handler writes a byte.
            if (&self.reader).read(&mut buf).is_err() {
                // Should not happen; avoid a hot loop if it does.
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn poll_reports_readable_and_times_out() {
        let (a, mut b) = UnixStream::pair().unwrap();
        assert!(!wait_readable(&a, Duration::from_millis(1)).unwrap());
        b.write_all(b"x").unwrap();
        assert!(wait_readable(&a, Duration::from_secs(5)).unwrap());
    }

    #[test]
    fn epoll_reports_one_shot_until_rearmed() {
        let ep = Epoll::new().unwrap();
        let (a, mut b) = UnixStream::pair().unwrap();
        let mut events = [EpollEvent::EMPTY; 4];
        ep.arm(&a, 7).unwrap();
        assert_eq!(ep.wait(&mut events, Some(Duration::ZERO)).unwrap(), 0);
        b.write_all(b"x").unwrap();
        assert_eq!(
            ep.wait(&mut events, Some(Duration::from_secs(5))).unwrap(),
            1
        );
        assert_eq!(events[0].token(), 7);
        // Still readable, but one-shot: silent until re-armed.
        assert_eq!(ep.wait(&mut events, Some(Duration::ZERO)).unwrap(), 0);
        ep.arm(&a, 9).unwrap();
        assert_eq!(
            ep.wait(&mut events, Some(Duration::from_secs(5))).unwrap(),
            1
        );
        assert_eq!(events[0].token(), 9);
    }
}
