//! What can go wrong talking to an upstream, and what the client sees.

use std::fmt;
use std::io;

/// The phase that failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpstreamErrorKind {
    /// The TCP connect was refused or failed.
    Connect,
    /// The TCP connect did not finish in time.
    ConnectTimeout,
    /// Writing the request failed.
    Write,
    /// The upstream did not answer (or send more body) in time.
    ReadTimeout,
    /// The upstream closed the connection early.
    Closed,
    /// The upstream sent something that is not valid HTTP/1.1.
    BadResponse,
}

/// An upstream failure with a short human reason.
#[derive(Debug)]
pub struct UpstreamError {
    /// What failed.
    pub kind: UpstreamErrorKind,
    /// Why, for logs and the error body.
    pub detail: String,
}

impl UpstreamError {
    /// An error of `kind`.
    pub fn new(kind: UpstreamErrorKind, detail: impl Into<String>) -> Self {
        UpstreamError {
            kind,
            detail: detail.into(),
        }
    }

    /// Classifies an I/O error from a read (`WouldBlock` means a read timeout
    /// fired: std reports timeouts that way on Unix).
    pub fn from_read(e: &io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                UpstreamError::new(UpstreamErrorKind::ReadTimeout, "upstream timed out")
            }
            _ => UpstreamError::new(
                UpstreamErrorKind::Closed,
                format!("upstream read failed: {e}"),
            ),
        }
    }

    /// Classifies an I/O error from a write.
    pub fn from_write(e: &io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                UpstreamError::new(UpstreamErrorKind::ReadTimeout, "upstream write timed out")
            }
            _ => UpstreamError::new(
                UpstreamErrorKind::Write,
                format!("upstream write failed: {e}"),
            ),
        }
    }

    /// The status the client gets: 504 for timeouts, 502 otherwise.
    pub fn status(&self) -> u16 {
        if self.is_timeout() {
            504
        } else {
            502
        }
    }

    /// True when a deadline fired.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self.kind,
            UpstreamErrorKind::ConnectTimeout | UpstreamErrorKind::ReadTimeout
        )
    }

    /// The `error` code of the JSON body.
    pub fn code(&self) -> &'static str {
        if self.is_timeout() {
            "upstream_timeout"
        } else {
            "bad_gateway"
        }
    }
}

impl fmt::Display for UpstreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for UpstreamError {}
