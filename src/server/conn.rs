//! One client connection, from "it has bytes to read" to "give it back to
//! the wait set", "park its request until the upstream answers" or "close
//! it".
//!
//! A worker gets a [`Job`]: a connection with new bytes, or a request whose
//! upstream has answered (or timed out). The loop, per request:
//!
//! ```text
//! parse head from the buffer --partial--> hand back to the wait set
//!        | complete
//! framing rules (400/413/501...) -> owned Request -> pipeline
//!        | early answer (401, 404 ...)         | sent upstream
//!        |                                     v
//!        |                  park: the upstream socket goes into the wait
//!        |                  set, the worker takes other work; later a
//!        |                  worker resumes it and relays the answer
//!        v                                     v
//! keep-alive? more bytes already buffered (pipelining)? loop : hand back
//! ```
//!
//! A worker never *waits* on a socket that has nothing to read: epoll
//! tells when the client has sent a request and when the upstream has
//! answered. Between those moments the connection or the exchange costs a
//! slot in the wait set, not a thread. So the number of workers bounds the
//! requests being processed, not the connections open nor the upstreams
//! being waited for — the C10k answer for a thread pool (see
//! `server/mod.rs`).

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use std::sync::Arc;

use super::Shared;
use crate::http::{self, BodyKind, EMPTY_HEADER, MAX_HEADERS};
use crate::pipeline::{proxy::end_to_end, reject, Client, Gateway, Pending, Progress, Request};
use crate::util::io::ReadBuf;

/// The size a worker's read buffer starts at (and shrinks back to after a
/// rare larger head).
pub const READ_BUF_INITIAL: usize = 16 * 1024;

/// Lingering close after an error: at most this long ...
const LINGER_CLOSE_TIME: Duration = Duration::from_secs(1);
/// ... and at most this many bytes read and thrown away.
const LINGER_CLOSE_BYTES: usize = 16 * 1024 * 1024;

/// What the connection is waiting for while it is in the wait set.
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
    /// Bytes read and not yet used while no worker holds the connection: a
    /// partial head, or a pipelined request behind one waiting for its
    /// upstream; empty, and unallocated, for an idle connection.
    pub pending: Vec<u8>,
    /// When the watcher's sweep gives up on it.
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

/// A request waiting for its upstream, with the client connection it
/// came on and the config it started with.
#[derive(Debug)]
pub struct Parked {
    /// The client connection (its `pending` holds any pipelined bytes).
    pub conn: Conn,
    /// The exchange, sent and waiting.
    pub exchange: Box<Pending>,
    /// The gateway (config) the request started on; it finishes on it.
    pub gateway: Arc<Gateway>,
    /// When the upstream's read timeout expires.
    pub deadline: Instant,
}

/// Work for a worker.
#[derive(Debug)]
pub enum Job {
    /// A client connection with bytes to read.
    Serve(Conn),
    /// A parked request whose upstream socket is readable.
    Resume(Box<Parked>),
    /// A parked request whose upstream did not answer in time.
    Expired(Box<Parked>),
}

/// What a worker does with a connection after serving it.
#[derive(Debug)]
pub enum Next {
    /// Put it in the wait set until it has bytes again.
    Watch(Conn),
    /// Its request waits for the upstream: put that in the wait set.
    Park(Box<Parked>),
    /// It is done (closed or closing).
    Done,
}

/// Does one job. `buf` is the worker's own read buffer, lent to the
/// connection while it is served.
pub fn serve(shared: &Shared, job: Job, buf: &mut ReadBuf) -> Next {
    match job {
        Job::Serve(conn) => serve_conn(shared, &shared.gateway(), conn, buf),
        Job::Resume(p) => finish(shared, *p, buf, false),
        Job::Expired(p) => finish(shared, *p, buf, true),
    }
}

/// Reads what the client sent and serves the requests in it.
fn serve_conn(shared: &Shared, gw: &Arc<Gateway>, mut conn: Conn, buf: &mut ReadBuf) -> Next {
    let before = conn.pending.len();
    lend_buffer(gw, &mut conn, buf);
    // Epoll saw the socket readable: this read does not block.
    let mut stream = &conn.stream;
    let n = match buf.read_from(&mut stream) {
        Ok(0) => return Next::Done,
        Ok(n) => n,
        Err(e) if is_timeout(&e) => return hand_back(conn, buf),
        Err(_) => return Next::Done,
    };
    if conn.waiting == Waiting::Idle {
        // A new request has begun: its head must come in time.
        conn.waiting = Waiting::Head;
        conn.deadline = Instant::now() + gw.config.client_timeouts.header;
    }
    if !worth_parsing(buf, before, n, gw.limits.max_head_bytes) {
        return hand_back(conn, buf);
    }
    let step = parse_and_handle(shared, gw, &conn, buf);
    after(shared, gw, conn, buf, step)
}

/// Finishes a parked request (relays the upstream's answer, or a 504),
/// then goes on with the client connection.
fn finish(shared: &Shared, p: Parked, buf: &mut ReadBuf, expired: bool) -> Next {
    let Parked {
        mut conn,
        exchange,
        gateway,
        ..
    } = p;
    lend_buffer(&gateway, &mut conn, buf);
    let mut client = Client {
        stream: &conn.stream,
        buf,
        peer: conn.peer,
    };
    let progress = if expired {
        gateway.expire(exchange, &mut client)
    } else {
        gateway.resume(exchange, &mut client, shared.is_stopping())
    };
    // The body was read before the request was parked: only bytes after it
    // mean the client may still be sending.
    let step = step_for(progress, false, buf);
    after(shared, &gateway, conn, buf, step)
}

/// Goes on with the connection after a step: the next pipelined request,
/// the wait set, the upstream wait, or the end.
fn after(
    shared: &Shared,
    gw: &Arc<Gateway>,
    mut conn: Conn,
    buf: &mut ReadBuf,
    mut step: Step,
) -> Next {
    loop {
        match step {
            // Pipelined: the next request is already here.
            Step::Continue if !buf.is_empty() => {}
            Step::Continue => {
                conn.waiting = Waiting::Idle;
                conn.deadline = Instant::now() + gw.config.client_timeouts.idle;
                return hand_back(conn, buf);
            }
            Step::NeedMore => return hand_back(conn, buf),
            Step::Close { linger } => {
                close(conn, linger);
                return Next::Done;
            }
            Step::Parked(exchange) => {
                // Bytes after the request (pipelined) wait with the connection.
                conn.pending = buf.filled().to_vec();
                buf.clear();
                let deadline = Instant::now() + exchange.read_timeout();
                return Next::Park(Box::new(Parked {
                    conn,
                    exchange,
                    gateway: Arc::clone(gw),
                    deadline,
                }));
            }
        }
        step = parse_and_handle(shared, gw, &conn, buf);
    }
}

/// Whether the head in `buf` (`before` bytes from earlier reads, then
/// `n` new ones) should be parsed again now. A trickling client sends a
/// head a few bytes per read, and parsing the whole head again after each
/// would cost the square of its length. But a head can complete only at
/// the end of a line, so without a new line feed the parse waits — until
/// the head has doubled since the last look (so a limit such as `uri=` is
/// still seen within one doubling, and the total cost stays linear) or it
/// passed the head limit (then the parser must say 431).
fn worth_parsing(buf: &ReadBuf, before: usize, n: usize, max_head: usize) -> bool {
    let filled = buf.filled();
    let new = filled
        .get(filled.len().saturating_sub(n)..)
        .unwrap_or_default();
    before == 0 || n >= before || new.contains(&b'\n') || filled.len() > max_head
}

/// Puts the connection's saved bytes into the worker's buffer.
fn lend_buffer(gw: &Gateway, conn: &mut Conn, buf: &mut ReadBuf) {
    buf.clear();
    // One byte past the head limit, so the parser can see it is exceeded.
    buf.set_max(gw.limits.max_head_bytes + 1);
    if !conn.pending.is_empty() {
        buf.extend_from_slice(&conn.pending);
        conn.pending = Vec::new();
    }
}

enum Step {
    /// A request was served; go on with the same connection.
    Continue,
    /// The head is not complete yet.
    NeedMore,
    /// Close the connection (lingering when the client may still be sending).
    Close { linger: bool },
    /// The request was sent upstream and waits for the answer.
    Parked(Box<Pending>),
}

/// The step a request's progress leads to. `had_body`: the request had a
/// body the exchange may not have read.
fn step_for(progress: Progress, had_body: bool, buf: &ReadBuf) -> Step {
    match progress {
        Progress::AwaitingUpstream(p) => Step::Parked(p),
        Progress::Done(o) if o.keep_alive => Step::Continue,
        // Linger only when the client may still be sending: a request body
        // the exchange may not have read, or bytes already here after it.
        Progress::Done(_) => Step::Close {
            linger: had_body || !buf.is_empty(),
        },
    }
}

fn parse_and_handle(shared: &Shared, gw: &Gateway, conn: &Conn, buf: &mut ReadBuf) -> Step {
    let mut storage = [EMPTY_HEADER; MAX_HEADERS];
    let head = match http::parse_request(buf.filled(), &mut storage, &gw.limits) {
        Ok(http::Status::Complete(h)) => h,
        Ok(http::Status::Partial) => return Step::NeedMore,
        Err(e) => {
            let _ = (&conn.stream).write_all(&reject(e.status(), e.message()));
            return Step::Close { linger: true };
        }
    };
    let parsed = storage.get(..head.header_count).unwrap_or_default();
    let framing = match http::request_framing(head.version, parsed, &gw.limits) {
        Ok(f) => f,
        Err(e) => {
            let _ = (&conn.stream).write_all(&reject(e.status(), e.message()));
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
    };
    let had_body = req.body != BodyKind::None;
    let progress = gw.handle(&mut client, req);
    step_for(progress, had_body, buf)
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Prepares an idle or half-read connection for the wait set: it keeps only
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
