//! The proxy action: forward the request to an upstream server; the answer
//! is relayed back by [`super::relay`].
//!
//! ```text
//! pick server -> pooled or fresh connection -> send head (+ body, streamed,
//! re-framed) -> wait (no thread) -> relay the answer as it comes -> pool
//! the connection if both ends allow it
//! ```
//!
//! Re-framing: the request body is decoded as it arrives and sent upstream
//! with framing *we* chose (the exact `Content-Length`, or chunks we encode),
//! so no ambiguity the client put in its framing reaches the upstream.
//!
//! Retry: a pooled connection may have been closed by the server an instant
//! before we used it. When that happens before any response byte arrived,
//! the request is idempotent and has no body (so nothing is lost), it is
//! sent once more on a fresh connection.

use std::io::Write;
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use super::client::{BodyError, BodyReader, Client};
use super::message::Request;
use super::relay::{self, Phase, Step};
use super::stage::Ctx;
use super::{Gateway, Outcome};
use crate::http::{self, encode_chunk, BodyKind, LAST_CHUNK};
use crate::upstream::{Upstream, UpstreamConn, UpstreamError, UpstreamErrorKind};

pub use relay::end_to_end;

/// A request that has been sent upstream and whose answer is still to
/// come (all of it, or the rest of it).
///
/// Between two readable moments of its upstream socket no thread waits for
/// it: the server watches [`Pending::socket`] and hands the exchange to a
/// worker when more of the answer arrives ([`resume`]), or [`expire`]s it
/// when nothing arrives within [`Pending::read_timeout`]. It owns all the
/// exchange needs: the request context, the upstream connection, the
/// request head for a retry, and how far the answer has got.
#[derive(Debug)]
pub struct Pending {
    ctx: Ctx,
    conn: UpstreamConn,
    head: Vec<u8>,
    retried: bool,
    phase: Phase,
    active: ActiveGuard,
}

impl Pending {
    /// The upstream socket to wait on.
    pub fn socket(&self) -> &TcpStream {
        &self.conn.stream
    }

    /// How long the upstream may stay silent.
    pub fn read_timeout(&self) -> Duration {
        self.active.up.timeouts.read
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
                    phase: Phase::awaiting_head(),
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

/// The upstream socket of a pending exchange is readable: relays what
/// came of the answer, and waits again if more is to come. `closing`: the
/// server is shutting down, so the client connection ends after this
/// response.
pub fn resume(gw: &Gateway, p: Box<Pending>, client: &mut Client<'_>, closing: bool) -> Progress {
    let Pending {
        mut ctx,
        conn,
        head,
        retried,
        phase,
        active,
    } = *p;
    if closing {
        ctx.req.keep_alive = false;
    }
    let mut conn = Some(conn);
    match relay::on_readable(gw, &active.up, &mut conn, phase, &mut ctx, client) {
        Step::Done(outcome) => outcome.into(),
        Step::Wait(phase) => match conn {
            Some(conn) => Progress::AwaitingUpstream(Box::new(Pending {
                ctx,
                conn,
                head,
                retried,
                phase,
                active,
            })),
            None => Outcome::close().into(),
        },
        Step::Failed { error, heard } => {
            let retryable = !heard
                && conn
                    .as_ref()
                    .is_some_and(|c| may_retry(c, retried, &ctx.req, &error));
            if retryable {
                retry(gw, ctx, head, active, client)
            } else {
                gw.reply_upstream_error(&mut ctx, client, &active.up, &error)
                    .into()
            }
        }
    }
}

/// The upstream stayed silent past its read timeout: 504 when the client
/// has had nothing of the answer yet, else the client connection closes
/// (its response cannot be finished). The upstream connection is closed,
/// never pooled.
pub fn expire(gw: &Gateway, p: Box<Pending>, client: &mut Client<'_>) -> Progress {
    let Pending {
        mut ctx,
        phase,
        active,
        ..
    } = *p;
    match phase {
        Phase::Head { .. } => {
            let e = UpstreamError::new(UpstreamErrorKind::ReadTimeout, "upstream timed out");
            gw.reply_upstream_error(&mut ctx, client, &active.up, &e)
                .into()
        }
        Phase::Body(_) => Outcome::close().into(),
    }
}

/// Sends the request once more on a fresh connection to the same server.
fn retry(
    gw: &Gateway,
    mut ctx: Ctx,
    head: Vec<u8>,
    active: ActiveGuard,
    client: &mut Client<'_>,
) -> Progress {
    let up = Arc::clone(&active.up);
    let attempt = up.fresh_connection(active.server).and_then(|mut conn| {
        match conn.stream.write_all(&head) {
            Ok(()) => Ok(conn),
            Err(e) => Err(UpstreamError::from_write(&e)),
        }
    });
    match attempt {
        Ok(conn) => Progress::AwaitingUpstream(Box::new(Pending {
            ctx,
            conn,
            head,
            retried: true,
            phase: Phase::awaiting_head(),
            active,
        })),
        Err(e) => gw.reply_upstream_error(&mut ctx, client, &up, &e).into(),
    }
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
