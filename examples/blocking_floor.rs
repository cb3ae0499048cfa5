//! The smallest blocking reverse proxy we could write: a yardstick, not a
//! product.
//!
//! ```text
//! cargo build --release --example blocking_floor
//! target/release/examples/blocking_floor 127.0.0.1:9301 127.0.0.1:9101
//! ```
//!
//! One thread per client connection, one upstream connection per client
//! connection, no parsing beyond finding the end of a head and a
//! `Content-Length`, no limits, no headers added, no routing. It is what
//! the classic "a thread blocks in every read" design costs before any
//! gateway work is done: four syscalls and two thread sleeps per keep-alive
//! request. GateLite keeps blocking sockets but never reads one with
//! nothing to read (see `server/mod.rs`), which is why it overtakes this
//! floor on keep-alive traffic. Run both under `../shared/bench/peers.sh`:
//!
//! ```text
//! ../shared/bench/peers.sh 'gatelite:9300:exec benches/peers/gatelite.sh' \
//!     'floor:9301:exec target/release/examples/blocking_floor 127.0.0.1:$PORT $BACKEND'
//! ```
//!
//! Only GET requests without bodies and responses with `Content-Length` are
//! understood — exactly what the benchmark sends. Never put it in front of
//! anything.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(listen), Some(upstream)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: blocking_floor LISTEN_ADDR UPSTREAM_ADDR");
        std::process::exit(2);
    };
    let listener = TcpListener::bind(listen.as_str()).unwrap_or_else(|e| {
        eprintln!("blocking_floor: cannot listen on {listen}: {e}");
        std::process::exit(3);
    });
    for client in listener.incoming().flatten() {
        let upstream = upstream.clone();
        std::thread::spawn(move || {
            let _ = relay(client, &upstream);
        });
    }
}

fn relay(mut client: TcpStream, upstream: &str) -> std::io::Result<()> {
    client.set_nodelay(true)?;
    let mut up = TcpStream::connect(upstream)?;
    up.set_nodelay(true)?;
    let mut req = vec![0u8; 64 * 1024];
    let mut resp = vec![0u8; 256 * 1024];
    loop {
        let Some(n) = read_head(&mut client, &mut req)? else {
            return Ok(());
        };
        up.write_all(&req[..n])?;
        let Some(m) = read_response(&mut up, &mut resp)? else {
            return Ok(());
        };
        client.write_all(&resp[..m])?;
    }
}

/// Reads until the end of a request head; `None` when the client closed.
fn read_head(s: &mut TcpStream, buf: &mut [u8]) -> std::io::Result<Option<usize>> {
    let mut n = 0;
    while find(&buf[..n], b"\r\n\r\n").is_none() {
        let k = s.read(&mut buf[n..])?;
        if k == 0 {
            return Ok(None);
        }
        n += k;
    }
    Ok(Some(n))
}

/// Reads a whole `Content-Length` response.
fn read_response(s: &mut TcpStream, buf: &mut [u8]) -> std::io::Result<Option<usize>> {
    let mut m = 0;
    loop {
        let k = s.read(&mut buf[m..])?;
        if k == 0 {
            return Ok(None);
        }
        m += k;
        if let Some(h) = find(&buf[..m], b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..h]).to_ascii_lowercase();
            let length = head
                .split("content-length:")
                .nth(1)
                .and_then(|rest| rest.split("\r\n").next())
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if m >= h + 4 + length {
                return Ok(Some(m));
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
