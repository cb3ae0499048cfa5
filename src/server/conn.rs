//! One client connection, from "it has bytes to read" to "give it back to
//! the watcher" or "close it".
//!
//! The loop, per request:
//!
//! ```text
//! parse head from the buffer --partial--> read more (or hand back if idle)
//!        | complete
//! framing rules (400/413/501...) -> owned Request -> pipeline -> response
//!        | keep-alive?
//! more bytes already buffered (pipelining)? loop : linger briefly, else hand back
//! ```
//!
//! A worker never waits long on a client: after a response it *lingers* a
//! couple of milliseconds for the next request (cheap, and under load the
//! next request nearly always comes within that time), then hands the idle
//! connection back to the watcher and takes other work. An unfinished head
//! is handed back the same way. So the number of workers bounds the
//! *requests being processed*, not the connections open — the C10k answer
//! for a thread pool (see `server/mod.rs`).

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use super::Shared;
use crate::http::{self, BodyKind, EMPTY_HEADER, MAX_HEADERS};
use crate::pipeline::{proxy::end_to_end, reject, Client, Gateway, Request};
use crate::sys;
use crate::util::io::ReadBuf;

/// How long a worker waits for more bytes (the next request on a keep-alive
/// connection, the rest of an unfinished head) before handing the
/// connection to the watcher. It is the client socket's read timeout, so the
/// wait costs no extra syscall: the `read` itself waits. Reading a request
/// body switches to the header timeout for the duration of the body.
pub const LINGER: Duration = Duration::from_millis(3);

/// The size a worker's read buffer starts at (and shrinks back to after a
/// rare larger head).
pub const READ_BUF_INITIAL: usize = 16 * 1024;

/// Lingering close after an error: at most this long ...
const LINGER_CLOSE_TIME: Duration = Duration::from_secs(1);
/// ... and at most this many bytes read and thrown away.
const LINGER_CLOSE_BYTES: usize = 16 * 1024 * 1024;

/// What the connection is waiting for while the watcher holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Waiting {
    /// The (rest of the) request head; the deadline is the header timeout.
    Head,
    /// A next request on a kept-alive connection; the deadline is the idle timeout.
    Idle,
}

/// A client connection between requests.
#[derive(Debug)]
pub struct Conn {
    /// The socket.
    pub stream: TcpStream,
    /// The client's address.
    pub peer: SocketAddr,
    /// Bytes read and not yet used (a partial head) while the watcher holds
    /// the connection; empty, and unallocated, for an idle one.
    pub pending: Vec<u8>,
    /// When the watcher gives up on it.
    pub deadline: Instant,
    /// What it waits for.
    pub waiting: Waiting,
}

impl Conn {
    /// A freshly accepted connection: its head must arrive within `header_timeout`.
    pub fn new(stream: TcpStream, peer: SocketAddr, header_timeout: Duration) -> Self {
        Conn {
            stream,
            peer,
            pending: Vec::new(),
            deadline: Instant::now() + header_timeout,
            waiting: Waiting::Head,
        }
    }
}

/// What a worker does with a connection after serving it.
#[derive(Debug)]
pub enum Next {
    /// Give it to the watcher until it has bytes again.
    Watch(Conn),
    /// It is done (closed or closing).
    Done,
}

/// Serves requests on `conn` until it idles, closes or errs. `buf` is the
/// worker's own read buffer, lent to the connection while it is served.
pub fn serve(shared: &Shared, gw: &Gateway, mut conn: Conn, buf: &mut ReadBuf) -> Next {
    let timeouts = gw.config.client_timeouts;
    buf.clear();
    // One byte past the head limit, so the parser can see it is exceeded.
    buf.set_max(gw.limits.max_head_bytes + 1);
    if !conn.pending.is_empty() {
        buf.extend_from_slice(&conn.pending);
        conn.pending = Vec::new();
    }
    // The watcher saw the socket readable: the first read will not block.
    let mut readable = true;
    loop {
        if !buf.is_empty() {
            match parse_and_handle(shared, gw, &mut conn, buf) {
                Step::Continue => {
                    if buf.is_empty() {
                        conn.waiting = Waiting::Idle;
                        conn.deadline = Instant::now() + timeouts.idle;
                    }
                    continue;
                }
                Step::NeedMore => {}
                Step::Close { linger } => {
                    close(conn, linger);
                    return Next::Done;
                }
            }
        }
        if shared.is_stopping() && buf.is_empty() {
            close(conn, false);
            return Next::Done;
        }
        if !readable && !shared.queue.is_empty() {
            // Others wait for a worker: do not linger, just look.
            match sys::wait_readable(&conn.stream, Duration::ZERO) {
                Ok(true) => {}
                Ok(false) => return hand_back(conn, buf),
                Err(_) => return Next::Done,
            }
        }
        readable = false;
        let mut stream = &conn.stream;
        match buf.read_from(&mut stream) {
            Ok(0) => return Next::Done,
            Ok(_) => {
                if conn.waiting == Waiting::Idle {
                    // A new request has begun: its head must come in time.
                    conn.waiting = Waiting::Head;
                    conn.deadline = Instant::now() + timeouts.header;
                }
            }
            Err(e) if is_timeout(&e) => return hand_back(conn, buf),
            Err(_) => return Next::Done,
        }
    }
}

enum Step {
    /// A request was served; go on with the same connection.
    Continue,
    /// The head is not complete yet.
    NeedMore,
    /// Close the connection (lingering when the client may still be sending).
    Close { linger: bool },
}

fn parse_and_handle(shared: &Shared, gw: &Gateway, conn: &mut Conn, buf: &mut ReadBuf) -> Step {
    let mut storage = [EMPTY_HEADER; MAX_HEADERS];
    let head = match http::parse_request(buf.filled(), &mut storage, &gw.limits) {
        Ok(http::Status::Complete(h)) => h,
        Ok(http::Status::Partial) => return Step::NeedMore,
        Err(e) => {
            let _ = conn.stream.write_all(&reject(e.status(), e.message()));
            return Step::Close { linger: true };
        }
    };
    let parsed = storage.get(..head.header_count).unwrap_or_default();
    let framing = match http::request_framing(head.version, parsed, &gw.limits) {
        Ok(f) => f,
        Err(e) => {
            let _ = conn.stream.write_all(&reject(e.status(), e.message()));
            return Step::Close { linger: true };
        }
    };
    let req = Request {
        method: head.method.to_string(),
        target: head.target.to_string(),
        path: String::new(),
        query: None,
        version: head.version,
        headers: end_to_end(parsed),
        body: framing.body,
        expect_continue: framing.expect_continue,
        keep_alive: framing.keep_alive && !shared.is_stopping(),
    };
    let head_len = head.head_len;
    buf.consume(head_len);
    let mut client = Client {
        stream: &conn.stream,
        buf,
        peer: conn.peer,
        body_timeout: gw.config.client_timeouts.header,
    };
    let had_body = req.body != BodyKind::None;
    let outcome = gw.handle(&mut client, req);
    if outcome.keep_alive {
        return Step::Continue;
    }
    // Linger only when the client may still be sending: a request body the
    // exchange may not have read, or bytes already here after the request.
    Step::Close {
        linger: had_body || !buf.is_empty(),
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Prepares an idle or half-read connection for the watcher: it keeps only
/// the bytes of an unfinished head (idle connections hold no buffer memory).
fn hand_back(mut conn: Conn, buf: &mut ReadBuf) -> Next {
    conn.pending = buf.filled().to_vec();
    buf.clear();
    Next::Watch(conn)
}

/// Closes a connection. With `linger`, the client may still be sending (a
/// body we did not read): we stop writing, then read and discard for a
/// short while so that our answer is not destroyed by a TCP reset (closing
/// a socket with unread input makes the kernel send RST, and the client may
/// lose the response it has not read yet). nginx calls this lingering close.
pub fn close(conn: Conn, linger: bool) {
    if !linger {
        return; // dropping the socket closes it (FIN)
    }
    let _ = conn.stream.shutdown(Shutdown::Write);
    let start = Instant::now();
    let mut sink = [0u8; 16 * 1024];
    let mut total = 0usize;
    let mut stream = &conn.stream;
    while total < LINGER_CLOSE_BYTES {
        let left = LINGER_CLOSE_TIME.saturating_sub(start.elapsed());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            break;
        }
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n,
        }
    }
}
