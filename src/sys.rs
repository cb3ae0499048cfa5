//! The only `unsafe` in GateLite: the few libc functions that std does not
//! expose — `poll(2)` to wait on many sockets at once, `signal(2)` +
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

/// Waits until at least one fd is ready or `timeout` passes (`None` = forever).
/// Returns how many are ready; an interrupted wait (a signal) returns 0.
pub fn poll_fds(fds: &mut [PollFd], timeout: Option<Duration>) -> io::Result<usize> {
    let ms: c_int = match timeout {
        None => -1,
        // Round up so a 0.4 ms wait does not become a busy loop of 0 ms waits.
        Some(d) => c_int::try_from(d.as_micros().div_ceil(1000)).unwrap_or(c_int::MAX),
    };
    let len = c_ulong::try_from(fds.len()).map_err(|_| io::Error::other("too many fds"))?;
    // SAFETY: `fds` is a valid, exclusively borrowed slice of `#[repr(C)]`
    // pollfd structs and `len` is its exact length, so the kernel reads and
    // writes only inside it. The call does not retain the pointer.
    let n = unsafe { poll(fds.as_mut_ptr(), len, ms) };
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
}
