//! Time, injected.
//!
//! Everything that depends on the passage of time (token buckets, circuit
//! breakers, cache freshness, JWT `exp`/`nbf`) asks a [`Clock`] instead of
//! calling `Instant::now()` itself. Production code uses [`SystemClock`];
//! tests use [`ManualClock`] and *advance* time instead of sleeping, so they
//! are fast and never depend on scheduling luck.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A source of time: a monotonic reading for measuring intervals and a
/// wall-clock reading for protocol timestamps (JWT, HTTP dates).
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Monotonic time since an arbitrary, fixed origin of this clock.
    fn monotonic(&self) -> Duration;
    /// Wall-clock time as seconds since the Unix epoch.
    fn unix_seconds(&self) -> u64;
}

/// The real clock.
#[derive(Debug)]
pub struct SystemClock {
    origin: Instant,
}

impl SystemClock {
    /// A clock whose monotonic origin is "now".
    pub fn new() -> Self {
        SystemClock {
            origin: Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn monotonic(&self) -> Duration {
        self.origin.elapsed()
    }

    fn unix_seconds(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }
}

/// A clock that only moves when told to: for tests.
#[derive(Debug, Default)]
pub struct ManualClock {
    nanos: AtomicU64,
    unix_base: u64,
}

impl ManualClock {
    /// A clock at monotonic zero and the given Unix time.
    pub fn new(unix_seconds: u64) -> Self {
        ManualClock {
            nanos: AtomicU64::new(0),
            unix_base: unix_seconds,
        }
    }

    /// Moves both readings forward by `by`.
    pub fn advance(&self, by: Duration) {
        let nanos = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        self.nanos.fetch_add(nanos, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn monotonic(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::SeqCst))
    }

    fn unix_seconds(&self) -> u64 {
        self.unix_base + self.monotonic().as_secs()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_advanced() {
        let clock = ManualClock::new(1_000);
        assert_eq!(clock.monotonic(), Duration::ZERO);
        clock.advance(Duration::from_millis(1_500));
        assert_eq!(clock.monotonic(), Duration::from_millis(1_500));
        assert_eq!(clock.unix_seconds(), 1_001);
    }

    #[test]
    fn system_clock_is_monotonic() {
        let clock = SystemClock::new();
        let a = clock.monotonic();
        let b = clock.monotonic();
        assert!(b >= a);
        assert!(clock.unix_seconds() > 1_600_000_000);
    }
}
