//! The proxy action: forward the request to an upstream server and stream
//! the answer back.
//!
//! ```text
//! pick server -> pooled or fresh connection -> send head (+ body, streamed,
//! re-framed) -> read response head (skip 1xx) -> send head to client ->
//! stream body -> pool the connection if both ends allow it
//! ```
//!
//! Re-framing: the request body is decoded as it arrives and sent upstream
//! with framing *we* chose (the exact `Content-Length`, or chunks we encode),
//! so no ambiguity the client put in its framing reaches the upstream.
//! Likewise the response body is decoded and sent to the client with
//! `Content-Length` when the upstream gave one, chunked for HTTP/1.1
//! clients otherwise, and close-delimited for HTTP/1.0 clients.
//!
//! Retry: a pooled connection may have been closed by the server an instant
//! before we used it. When that happens before any response byte arrived,
//! the request is idempotent and has no body (so nothing is lost), it is
//! sent once more on a fresh connection.

use std::cell::RefCell;
use std::io::{IoSlice, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use super::client::{BodyError, BodyReader, Client};
use super::message::{HeaderList, Request};
use super::stage::Ctx;
use super::{Gateway, Outcome};
use crate::http::{
    self, encode_chunk, headers as hh, BodyDecoder, BodyKind, Header, Version, EMPTY_HEADER,
    LAST_CHUNK, MAX_HEADERS,
};
use crate::upstream::{Upstream, UpstreamConn, UpstreamError, UpstreamErrorKind};
use crate::util::io::{write_all_vectored, ReadBuf};

/// Largest response head we accept from an upstream (they can carry big
/// cookies; larger is a broken upstream -> 502).
pub const MAX_UPSTREAM_HEAD_BYTES: usize = 64 * 1024;

/// Size of one read from an upstream while streaming a body.
pub const UPSTREAM_READ_CHUNK: usize = 64 * 1024;

thread_local! {
    /// Each worker's buffer for upstream reads: allocated once, reused by
    /// every response (no allocation or `memset` per request).
    static UPSTREAM_BUF: RefCell<ReadBuf> =
        RefCell::new(ReadBuf::new(UPSTREAM_READ_CHUNK, UPSTREAM_READ_CHUNK + MAX_UPSTREAM_HEAD_BYTES));
}

/// What the upstream said, parsed and owned.
struct UpstreamHead {
    status: u16,
    headers: HeaderList,
    body: BodyKind,
    keep_alive: bool,
}

/// A request that has been sent upstream and waits for the answer.
///
/// Between [`forward`] and [`resume`] no thread waits for it: the server
/// watches [`Pending::socket`] and hands the exchange to a worker when the
/// upstream's answer arrives (or [`expire`]s it when it does not arrive
/// within [`Pending::read_timeout`]). It owns everything the second half
/// needs: the request context, the upstream connection, and the request
/// head for a retry.
#[derive(Debug)]
pub struct Pending {
    ctx: Ctx,
    conn: UpstreamConn,
    head: Vec<u8>,
    retried: bool,
    active: ActiveGuard,
}

impl Pending {
    /// The upstream socket to wait on.
    pub fn socket(&self) -> &TcpStream {
        &self.conn.stream
    }

    /// How long the upstream may take to start its answer.
    pub fn read_timeout(&self) -> Duration {
        self.active.up.timeouts.read
    }

    /// True when the failure `e` of this attempt may be retried.
    fn may_retry(&self, e: &UpstreamError) -> bool {
        may_retry(&self.conn, self.retried, &self.ctx.req, e)
    }
}

/// True when a failed attempt on `conn` may be sent once more, on a fresh
/// connection to the same server: a pooled connection the server had
/// closed an instant before we used it loses nothing if the request is
/// idempotent, has no body, and was not retried already. A timeout is not
/// such a failure (the server may be working on the request).
fn may_retry(conn: &UpstreamConn, retried: bool, req: &Request, e: &UpstreamError) -> bool {
    conn.reused && !retried && req.body == BodyKind::None && req.is_idempotent() && !e.is_timeout()
}

/// How far a request got.
#[derive(Debug)]
pub enum Progress {
    /// Its response has been written (or the client is gone).
    Done(Outcome),
    /// It waits for its upstream: call [`resume`] when the socket is readable.
    AwaitingUpstream(Box<Pending>),
}

impl From<Outcome> for Progress {
    fn from(o: Outcome) -> Self {
        Progress::Done(o)
    }
}

/// Sends the request of `ctx` to `up` (head, then the body streamed from
/// the client). On success the exchange waits for the upstream's answer.
pub fn forward(
    gw: &Gateway,
    up: &Arc<Upstream>,
    mut ctx: Ctx,
    client: &mut Client<'_>,
) -> Progress {
    let head = upstream_request_head(&ctx, &up.name);
    let mut body = BodyReader::new(
        ctx.req.body,
        gw.limits.max_body_bytes,
        ctx.req.expect_continue,
    );
    let Some(server) = up.pick() else {
        return gw
            .reply_error(
                &mut ctx,
                client,
                503,
                "no_server",
                "the upstream has no servers",
            )
            .into();
    };
    let mut retried = false;
    loop {
        let conn = if retried {
            up.fresh_connection(server)
        } else {
            up.connection(server, gw.clock.as_ref())
        };
        let mut conn = match conn {
            Ok(c) => c,
            Err(e) => return gw.reply_upstream_error(&mut ctx, client, up, &e).into(),
        };
        let active = ActiveGuard::new(Arc::clone(up), server);
        match send_request(&head, &mut body, &mut conn, ctx.req.body, client) {
            Ok(()) => {
                return Progress::AwaitingUpstream(Box::new(Pending {
                    ctx,
                    conn,
                    head,
                    retried,
                    active,
                }))
            }
            Err(SendError::Upstream(e)) => {
                drop(active);
                if may_retry(&conn, retried, &ctx.req, &e) {
                    retried = true;
                    continue;
                }
                return gw.reply_upstream_error(&mut ctx, client, up, &e).into();
            }
            Err(SendError::ClientBody(BodyError::Invalid(pe))) => {
                let status = pe.status();
                return gw
                    .reply_error(
                        &mut ctx,
                        client,
                        status,
                        super::error_code(status),
                        pe.message(),
                    )
                    .closing()
                    .into();
            }
            Err(SendError::ClientBody(BodyError::Io(_))) => return Outcome::close().into(),
        }
    }
}

/// Reads the upstream's answer to a pending exchange (its socket is
/// readable) and relays it to the client. `closing`: the server is shutting
/// down, so the client connection ends after this response.
pub fn resume(
    gw: &Gateway,
    mut p: Box<Pending>,
    client: &mut Client<'_>,
    closing: bool,
) -> Progress {
    if closing {
        p.ctx.req.keep_alive = false;
    }
    UPSTREAM_BUF.with(|cell| {
        // Not re-entered: one exchange at a time per worker thread.
        let Ok(mut buf) = cell.try_borrow_mut() else {
            let e = UpstreamError::new(UpstreamErrorKind::BadResponse, "buffer busy");
            return fail(gw, p, client, &e);
        };
        buf.clear();
        match read_response_head(&mut p.conn, &mut buf, &p.ctx.req.method) {
            Ok(head) => {
                let Pending {
                    mut ctx,
                    conn,
                    active,
                    ..
                } = *p;
                relay_response(gw, &active.up, conn, head, &mut buf, &mut ctx, client).into()
            }
            Err(e) if p.may_retry(&e) => retry(gw, p, client),
            Err(e) => fail(gw, p, client, &e),
        }
    })
}

/// The upstream did not start its answer in time: 504 to the client; the
/// upstream connection is closed, never pooled.
pub fn expire(gw: &Gateway, p: Box<Pending>, client: &mut Client<'_>) -> Progress {
    let e = UpstreamError::new(UpstreamErrorKind::ReadTimeout, "upstream timed out");
    fail(gw, p, client, &e)
}

/// Sends the request once more on a fresh connection to the same server.
fn retry(gw: &Gateway, mut p: Box<Pending>, client: &mut Client<'_>) -> Progress {
    let up = Arc::clone(&p.active.up);
    let attempt = up.fresh_connection(p.active.server).and_then(|mut conn| {
        match conn.stream.write_all(&p.head) {
            Ok(()) => Ok(conn),
            Err(e) => Err(UpstreamError::from_write(&e)),
        }
    });
    match attempt {
        Ok(conn) => {
            p.conn = conn;
            p.retried = true;
            Progress::AwaitingUpstream(p)
        }
        Err(e) => fail(gw, p, client, &e),
    }
}

/// Answers the client for an upstream failure; the upstream connection is
/// dropped (closed).
fn fail(gw: &Gateway, p: Box<Pending>, client: &mut Client<'_>, e: &UpstreamError) -> Progress {
    let Pending {
        mut ctx, active, ..
    } = *p;
    gw.reply_upstream_error(&mut ctx, client, &active.up, e)
        .into()
}

/// Why sending the request stopped.
enum SendError {
    /// The upstream connection failed.
    Upstream(UpstreamError),
    /// The client's body was bad or stopped.
    ClientBody(BodyError),
}

/// Counts a request as active on a server for its lifetime (RAII, STYLE §1.13).
#[derive(Debug)]
struct ActiveGuard {
    up: Arc<Upstream>,
    server: usize,
}

impl ActiveGuard {
    fn new(up: Arc<Upstream>, server: usize) -> Self {
        if let Some(s) = up.servers.get(server) {
            s.active.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        ActiveGuard { up, server }
    }
}

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        if let Some(s) = self.up.servers.get(self.server) {
            s.active.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

/// Fields of the client's request that the gateway replaces on the way up.
const REPLACED_UPSTREAM: [&str; 6] = [
    "content-length",  // framing is ours to decide
    "expect",          // 100-continue is answered by us
    "x-forwarded-for", // appended to below
    "x-forwarded-proto",
    "x-forwarded-host",
    "x-request-id",
];

/// The request head as the upstream gets it, written in one pass without
/// copying the header list.
fn upstream_request_head(ctx: &Ctx, upstream_label: &str) -> Vec<u8> {
    let req = &ctx.req;
    let mut xff = Vec::with_capacity(64);
    if let Some(prev) = req.headers.get("x-forwarded-for") {
        xff.extend_from_slice(prev);
        xff.extend_from_slice(b", ");
    }
    crate::util::bytes::push_ip(&mut xff, ctx.client_ip);
    let length = match req.body {
        BodyKind::Length(n) => n.to_string(),
        _ => String::new(),
    };
    let mut fields: Vec<(&str, &[u8])> = Vec::with_capacity(req.headers.len() + 8);
    fields.extend(
        req.headers
            .iter()
            .filter(|(n, _)| !REPLACED_UPSTREAM.iter().any(|r| n.eq_ignore_ascii_case(r))),
    );
    fields.push(("X-Forwarded-For", &xff));
    fields.push(("X-Forwarded-Proto", b"http"));
    match req.headers.get("host") {
        Some(host) => fields.push(("X-Forwarded-Host", host)),
        // An HTTP/1.0 client may omit Host; HTTP/1.1 upstreams require one.
        None => fields.push(("Host", upstream_label.as_bytes())),
    }
    fields.push(("X-Request-Id", ctx.request_id.as_bytes()));
    match req.body {
        BodyKind::Length(_) => fields.push(("Content-Length", length.as_bytes())),
        BodyKind::Chunked => fields.push(("Transfer-Encoding", b"chunked")),
        BodyKind::None | BodyKind::UntilClose => {}
    }
    let target = crate::router::rewrite::upstream_target(&ctx.upstream_path, req.query.as_deref());
    let mut out = Vec::with_capacity(512);
    http::write_request_head(&mut out, &req.method, &target, &fields);
    out
}

/// Writes the request head and streams the body, re-framed.
fn send_request(
    head: &[u8],
    body: &mut BodyReader,
    conn: &mut UpstreamConn,
    kind: BodyKind,
    client: &mut Client<'_>,
) -> Result<(), SendError> {
    conn.stream
        .write_all(head)
        .map_err(|e| SendError::Upstream(UpstreamError::from_write(&e)))?;
    if kind != BodyKind::None {
        send_body(body, conn, kind, client)?;
    }
    Ok(())
}

/// Streams the client's body to the upstream, re-framed.
fn send_body(
    body: &mut BodyReader,
    conn: &mut UpstreamConn,
    kind: BodyKind,
    client: &mut Client<'_>,
) -> Result<(), SendError> {
    let chunked = kind == BodyKind::Chunked;
    let mut piece = Vec::with_capacity(16 * 1024);
    let mut framed = Vec::new();
    loop {
        piece.clear();
        match body.next(client, &mut piece) {
            Ok(true) => {
                let bytes = if chunked {
                    framed.clear();
                    encode_chunk(&piece, &mut framed);
                    &framed
                } else {
                    &piece
                };
                conn.stream
                    .write_all(bytes)
                    .map_err(|e| SendError::Upstream(UpstreamError::from_write(&e)))?;
            }
            Ok(false) => break,
            // The upstream connection is dropped (closed, never pooled).
            Err(e) => return Err(SendError::ClientBody(e)),
        }
    }
    if chunked {
        conn.stream
            .write_all(LAST_CHUNK)
            .map_err(|e| SendError::Upstream(UpstreamError::from_write(&e)))?;
    }
    Ok(())
}

/// Reads until a final (non-1xx) response head is complete; `buf` keeps
/// the bytes after it (the start of the body).
fn read_response_head(
    conn: &mut UpstreamConn,
    buf: &mut ReadBuf,
    method: &str,
) -> Result<UpstreamHead, UpstreamError> {
    loop {
        let mut storage = [EMPTY_HEADER; MAX_HEADERS];
        match http::parse_response(buf.filled(), &mut storage, MAX_UPSTREAM_HEAD_BYTES) {
            Ok(http::Status::Complete(h)) => {
                let parsed: &[Header] = storage.get(..h.header_count).unwrap_or_default();
                if (100..200).contains(&h.status) && h.status != 101 {
                    // Interim response (100 Continue, 103 Early Hints): skip.
                    buf.consume(h.head_len);
                    continue;
                }
                let body = http::response_body_kind(method, h.status, parsed)
                    .map_err(|e| UpstreamError::new(UpstreamErrorKind::BadResponse, e.message()))?;
                let keep_alive =
                    h.version == Version::Http11 && http::response_keep_alive(h.version, parsed);
                let headers = end_to_end(parsed);
                let (status, head_len) = (h.status, h.head_len);
                buf.consume(head_len);
                return Ok(UpstreamHead {
                    status,
                    headers,
                    body,
                    keep_alive,
                });
            }
            Ok(http::Status::Partial) => {}
            Err(e) => {
                return Err(UpstreamError::new(
                    UpstreamErrorKind::BadResponse,
                    e.message(),
                ))
            }
        }
        match buf.read_from(&mut conn.stream) {
            Ok(0) => {
                return Err(UpstreamError::new(
                    UpstreamErrorKind::Closed,
                    "upstream closed the connection before answering",
                ))
            }
            Ok(_) => {}
            Err(e) => return Err(UpstreamError::from_read(&e)),
        }
    }
}

/// Copies the end-to-end fields of a parsed head (hop-by-hop ones, and
/// those the `Connection` header names, are dropped: RFC 9110 §7.6.1).
pub fn end_to_end(parsed: &[Header<'_>]) -> HeaderList {
    let hop_by_hop = hh::HopByHop::of(parsed);
    HeaderList::from_parsed(parsed, |h| !hop_by_hop.contains(h.name))
}

/// Sends the upstream's response to the client and decides what happens to
/// both connections.
fn relay_response(
    gw: &Gateway,
    upstream: &Upstream,
    conn: UpstreamConn,
    up: UpstreamHead,
    buf: &mut ReadBuf,
    ctx: &mut Ctx,
    client: &mut Client<'_>,
) -> Outcome {
    let client_11 = ctx.req.version == Version::Http11;
    let mut headers = up.headers;
    // How the body goes to the client.
    let to_client = match up.body {
        BodyKind::Chunked | BodyKind::UntilClose if client_11 => ClientFraming::Chunked,
        BodyKind::Chunked | BodyKind::UntilClose => ClientFraming::UntilClose,
        _ => ClientFraming::AsIs,
    };
    if to_client == ClientFraming::Chunked {
        headers.set("Transfer-Encoding", "chunked");
    }
    let mut outcome = Outcome {
        keep_alive: to_client != ClientFraming::UntilClose,
    };
    gw.finish_response_headers(ctx, up.status, &mut headers, &mut outcome);

    let mut out = Vec::with_capacity(1024);
    http::write_response_head(&mut out, Version::Http11, up.status, &headers.as_pairs());

    let pool_ok = up.keep_alive && up.body != BodyKind::UntilClose;
    let result = match up.body {
        // Bytes after a body-less response mean the connection is out of
        // step; `buf` is then not empty and it is not pooled below.
        BodyKind::None => client.write_all(&out).map_err(|_| Broken),
        BodyKind::Length(n) => relay_length(n, buf, &conn, &out, client),
        BodyKind::Chunked | BodyKind::UntilClose => {
            relay_decoded(up.body, to_client, buf, &conn, out, client)
        }
    };
    match result {
        Ok(()) if pool_ok && buf.is_empty() => {
            upstream.release(conn, gw.clock.as_ref());
            outcome
        }
        Ok(()) => outcome,
        // Broken mid-body (either side): nothing more can be said to the client.
        _ => Outcome::close(),
    }
}

/// A side of the exchange broke while the body was relayed: the client has
/// its head already, so the only thing left to do is close.
struct Broken;

#[derive(Clone, Copy, PartialEq, Eq)]
enum ClientFraming {
    /// Headers as the upstream framed them (Content-Length or no body).
    AsIs,
    /// We chunk the decoded body.
    Chunked,
    /// HTTP/1.0 client: the body ends when we close.
    UntilClose,
}

/// A body of exactly `n` bytes, passed through without decoding. The head
/// and the body bytes already read go out in one `writev`.
fn relay_length(
    n: u64,
    buf: &mut ReadBuf,
    conn: &UpstreamConn,
    head: &[u8],
    client: &mut Client<'_>,
) -> Result<(), Broken> {
    let first = usize::try_from(n).unwrap_or(usize::MAX).min(buf.len());
    let mut slices = [
        IoSlice::new(head),
        IoSlice::new(buf.filled().get(..first).unwrap_or_default()),
    ];
    let mut to_client = client.stream;
    write_all_vectored(&mut to_client, &mut slices).map_err(|_| Broken)?;
    buf.consume(first);
    let mut left = n - first as u64;
    let mut stream = &conn.stream;
    while left > 0 {
        // The upstream sent nothing more than this body (buffer empty here).
        match buf.read_from(&mut stream) {
            Ok(0) | Err(_) => return Err(Broken),
            Ok(_) => {}
        }
        let take = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
        client
            .write_all(buf.filled().get(..take).unwrap_or_default())
            .map_err(|_| Broken)?;
        buf.consume(take);
        left -= take as u64;
    }
    Ok(())
}

/// A chunked or close-delimited body: decoded, then re-framed for the client.
fn relay_decoded(
    kind: BodyKind,
    to_client: ClientFraming,
    buf: &mut ReadBuf,
    conn: &UpstreamConn,
    mut out: Vec<u8>,
    client: &mut Client<'_>,
) -> Result<(), Broken> {
    let mut decoder = BodyDecoder::new(kind, u64::MAX);
    let mut data = Vec::with_capacity(16 * 1024);
    let mut stream = &conn.stream;
    loop {
        // Decode what the buffer holds (the first time: what came with the head).
        while !buf.is_empty() && !decoder.is_done() {
            data.clear();
            let p = decoder
                .decode(buf.filled(), &mut data)
                .map_err(|_| Broken)?;
            buf.consume(p.consumed);
            if to_client == ClientFraming::Chunked {
                encode_chunk(&data, &mut out);
            } else {
                out.extend_from_slice(&data);
            }
            if p.consumed == 0 {
                break;
            }
        }
        if decoder.is_done() {
            break;
        }
        if !out.is_empty() {
            client.write_all(&out).map_err(|_| Broken)?;
            out.clear();
        }
        match buf.read_from(&mut stream) {
            Ok(0) => {
                decoder.finish_at_eof().map_err(|_| Broken)?;
                break;
            }
            Ok(_) => {}
            Err(_) => return Err(Broken),
        }
    }
    // Bytes left in `buf` after the body keep the connection out of the pool.
    if to_client == ClientFraming::Chunked {
        out.extend_from_slice(LAST_CHUNK);
    }
    client.write_all(&out).map_err(|_| Broken)?;
    Ok(())
}
