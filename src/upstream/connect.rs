//! Opening a connection to an upstream server with a deadline on every phase
//! (STYLE.md §1.11): `connect_timeout` for the handshake, then read and write
//! timeouts set before the first byte, and Nagle off because we write whole
//! heads and want them sent at once.

use std::io;
use std::net::{SocketAddr, TcpStream};

use super::error::{UpstreamError, UpstreamErrorKind};
use super::Timeouts;

/// Connects to `addr` within `timeouts.connect` and arms read/write timeouts.
pub fn open(addr: SocketAddr, timeouts: &Timeouts) -> Result<TcpStream, UpstreamError> {
    let stream =
        TcpStream::connect_timeout(&addr, timeouts.connect).map_err(|e| match e.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => UpstreamError::new(
                UpstreamErrorKind::ConnectTimeout,
                format!("connect to {addr} timed out"),
            ),
            _ => UpstreamError::new(
                UpstreamErrorKind::Connect,
                format!("connect to {addr} failed: {e}"),
            ),
        })?;
    let arm = |r: io::Result<()>| {
        r.map_err(|e| {
            UpstreamError::new(
                UpstreamErrorKind::Connect,
                format!("socket setup failed: {e}"),
            )
        })
    };
    arm(stream.set_nodelay(true))?;
    arm(stream.set_read_timeout(Some(timeouts.read)))?;
    arm(stream.set_write_timeout(Some(timeouts.write)))?;
    Ok(stream)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::time::Duration;

    fn timeouts() -> Timeouts {
        Timeouts {
            connect: Duration::from_secs(2),
            read: Duration::from_secs(2),
            write: Duration::from_secs(2),
        }
    }

    #[test]
    fn connects_and_arms_timeouts() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let s = open(l.local_addr().unwrap(), &timeouts()).unwrap();
        assert_eq!(s.read_timeout().unwrap(), Some(Duration::from_secs(2)));
        assert!(s.nodelay().unwrap());
    }

    #[test]
    fn refused_is_a_connect_error() {
        let addr = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let e = open(addr, &timeouts()).unwrap_err();
        assert_eq!(e.kind, UpstreamErrorKind::Connect);
        assert_eq!(e.status(), 502);
    }
}
