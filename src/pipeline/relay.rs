//! Relaying an upstream's answer to the client, one readable moment at a
//! time.
//!
//! An answer arrives in pieces: the head, then the body in as many TCP
//! segments as it takes. A worker that waited in `read` for each piece
//! would sleep while the upstream works, so the relay is a small state
//! machine instead: each time the server sees the upstream socket readable
//! it hands the exchange to a worker, which reads what has come (that read
//! does not block), passes it on, and either finishes or parks the exchange
//! again ([`Step::Wait`]). Everything else is plain sequential code.
//!
//! ```text
//! Head  --head complete--> Body --body complete--> done (pool the connection)
//!  | partial: wait          | more to come: wait
//! ```
//!
//! Re-framing: a `Content-Length` body passes through as it is; a chunked
//! or close-delimited body is decoded and re-chunked for an HTTP/1.1
//! client, or sent close-delimited to an HTTP/1.0 one. Interim responses
//! (`100 Continue`, `103 Early Hints`) are skipped.
//!
//! What may still block is the write to the client: a slow reader fills
//! its socket buffer. That wait is bounded by the client write timeout.

use std::cell::RefCell;
use std::io::IoSlice;

use super::client::Client;
use super::message::HeaderList;
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

/// Size of one read from an upstream.
pub const UPSTREAM_READ_CHUNK: usize = 64 * 1024;

thread_local! {
    /// Each worker's buffer for upstream reads: allocated once, reused by
    /// every response (no allocation or `memset` per read). Between two
    /// readable moments of an exchange it holds nothing; bytes that must
    /// wait (half a head, half a chunk line) are kept by the exchange.
    static UPSTREAM_BUF: RefCell<ReadBuf> =
        RefCell::new(ReadBuf::new(UPSTREAM_READ_CHUNK, UPSTREAM_READ_CHUNK + MAX_UPSTREAM_HEAD_BYTES));
}

/// Where an exchange is between two readable moments of its upstream.
#[derive(Debug)]
pub enum Phase {
    /// The request is sent; the answer's head has not (all) come.
    Head {
        /// The first bytes of the head, when it came in pieces.
        partial: Vec<u8>,
        /// Some byte of the answer has come (then a failure is no longer
        /// a dead pooled connection, and is not retried).
        heard: bool,
    },
    /// The head went to the client; the body is on its way.
    Body(BodyRelay),
}

impl Phase {
    /// Waiting for the first byte of the answer.
    pub fn awaiting_head() -> Self {
        Phase::Head {
            partial: Vec::new(),
            heard: false,
        }
    }
}

/// A body being relayed.
#[derive(Debug)]
pub struct BodyRelay {
    framing: Framing,
    /// Upstream bytes read but not yet decoded (a chunk line cut in two).
    leftover: Vec<u8>,
    /// The upstream connection may be pooled once the body ends cleanly.
    pool_ok: bool,
    /// What happens to the client connection afterwards.
    outcome: Outcome,
}

#[derive(Debug)]
enum Framing {
    /// `left` more bytes pass through as they are.
    Length { left: u64 },
    /// Decoded, then re-framed for the client.
    Decoded {
        decoder: BodyDecoder,
        to_client: ClientFraming,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ClientFraming {
    /// Headers as the upstream framed them (Content-Length or no body).
    AsIs,
    /// We chunk the decoded body.
    Chunked,
    /// HTTP/1.0 client: the body ends when we close.
    UntilClose,
}

/// What one readable moment led to.
#[derive(Debug)]
pub enum Step {
    /// The exchange is over (answered, or broken past the point where the
    /// client could be told).
    Done(Outcome),
    /// More of the answer is to come: wait for the socket again.
    Wait(Phase),
    /// The upstream failed before any of its answer reached the client.
    Failed {
        /// What went wrong.
        error: UpstreamError,
        /// The upstream had sent some of its answer.
        heard: bool,
    },
}

/// What every step of one readable moment works with: the gateway, the
/// upstream and its connection (taken when it is pooled or dropped), the
/// worker's read buffer and the client.
struct Moment<'m, 'c> {
    gw: &'m Gateway,
    upstream: &'m Upstream,
    conn: &'m mut Option<UpstreamConn>,
    buf: &'m mut ReadBuf,
    client: &'m mut Client<'c>,
}

/// The upstream socket of an exchange in `phase` is readable: read what
/// came and pass it on. `conn` is given back in [`Step::Wait`] through the
/// caller (it keeps ownership); on `Done` it has been pooled or dropped.
pub fn on_readable(
    gw: &Gateway,
    upstream: &Upstream,
    conn: &mut Option<UpstreamConn>,
    phase: Phase,
    ctx: &mut Ctx,
    client: &mut Client<'_>,
) -> Step {
    UPSTREAM_BUF.with(|cell| {
        // Not re-entered: one exchange at a time per worker thread.
        let Ok(mut buf) = cell.try_borrow_mut() else {
            let error = UpstreamError::new(UpstreamErrorKind::BadResponse, "buffer busy");
            return Step::Failed { error, heard: true };
        };
        buf.clear();
        let mut m = Moment {
            gw,
            upstream,
            conn,
            buf: &mut buf,
            client,
        };
        match phase {
            Phase::Head { partial, heard } => {
                m.buf.extend_from_slice(&partial);
                on_head_bytes(&mut m, heard, ctx)
            }
            Phase::Body(relay) => {
                m.buf.extend_from_slice(&relay.leftover);
                on_body_bytes(&mut m, relay)
            }
        }
    })
}

/// Reads more of the head; relays it once complete.
fn on_head_bytes(m: &mut Moment<'_, '_>, mut heard: bool, ctx: &mut Ctx) -> Step {
    let Some(c) = m.conn.as_mut() else {
        let error = UpstreamError::new(UpstreamErrorKind::Closed, "no upstream connection");
        return Step::Failed { error, heard };
    };
    match m.buf.read_from(&mut c.stream) {
        Ok(0) => {
            let error = UpstreamError::new(
                UpstreamErrorKind::Closed,
                "upstream closed the connection before answering",
            );
            return Step::Failed { error, heard };
        }
        Ok(_) => heard = true,
        Err(e) => {
            let error = UpstreamError::from_read(&e);
            return Step::Failed { error, heard };
        }
    }
    match parse_head(m.buf, &ctx.req.method) {
        Ok(Some(head)) => start_body(m, head, ctx),
        Ok(None) => Step::Wait(Phase::Head {
            partial: m.buf.filled().to_vec(),
            heard,
        }),
        Err(error) => Step::Failed { error, heard },
    }
}

/// What the upstream said, parsed and owned.
struct UpstreamHead {
    status: u16,
    headers: HeaderList,
    body: BodyKind,
    keep_alive: bool,
}

/// The final (non-1xx) head at the front of `buf`, consumed from it;
/// `None` while it is incomplete.
fn parse_head(buf: &mut ReadBuf, method: &str) -> Result<Option<UpstreamHead>, UpstreamError> {
    let bad = |m: &str| UpstreamError::new(UpstreamErrorKind::BadResponse, m);
    loop {
        let mut storage = [EMPTY_HEADER; MAX_HEADERS];
        let h = match http::parse_response(buf.filled(), &mut storage, MAX_UPSTREAM_HEAD_BYTES) {
            Ok(http::Status::Complete(h)) => h,
            Ok(http::Status::Partial) => return Ok(None),
            Err(e) => return Err(bad(e.message())),
        };
        let parsed: &[Header] = storage.get(..h.header_count).unwrap_or_default();
        if h.status == 101 {
            // We never forward an Upgrade (it is hop-by-hop), so a switch of
            // protocols is an upstream out of step; the connection is not
            // HTTP any more and must not be pooled.
            return Err(bad("upstream switched protocols without being asked"));
        }
        if (100..200).contains(&h.status) {
            // Interim response (100 Continue, 103 Early Hints): skip.
            buf.consume(h.head_len);
            continue;
        }
        let body =
            http::response_body_kind(method, h.status, parsed).map_err(|e| bad(e.message()))?;
        let keep_alive =
            h.version == Version::Http11 && http::response_keep_alive(h.version, parsed);
        let headers = end_to_end(parsed);
        let (status, head_len) = (h.status, h.head_len);
        buf.consume(head_len);
        return Ok(Some(UpstreamHead {
            status,
            headers,
            body,
            keep_alive,
        }));
    }
}

/// Copies the end-to-end fields of a parsed head (hop-by-hop ones, and
/// those the `Connection` header names, are dropped: RFC 9110 §7.6.1).
pub fn end_to_end(parsed: &[Header<'_>]) -> HeaderList {
    let hop_by_hop = hh::HopByHop::of(parsed);
    HeaderList::from_parsed(parsed, |h| !hop_by_hop.contains(h.name))
}

/// Sends the response head to the client (with the body bytes that came
/// with it) and sets up the body's relay.
fn start_body(m: &mut Moment<'_, '_>, up: UpstreamHead, ctx: &mut Ctx) -> Step {
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
    m.gw.finish_response_headers(ctx, up.status, &mut headers, &mut outcome);
    let mut head = Vec::with_capacity(1024);
    http::write_response_head(&mut head, Version::Http11, up.status, &headers.as_pairs());

    let framing = match up.body {
        BodyKind::None => Framing::Length { left: 0 },
        BodyKind::Length(n) => Framing::Length { left: n },
        kind => Framing::Decoded {
            decoder: BodyDecoder::new(kind, u64::MAX),
            to_client,
        },
    };
    let relay = BodyRelay {
        framing,
        leftover: Vec::new(),
        pool_ok: up.keep_alive && up.body != BodyKind::UntilClose,
        outcome,
    };
    relay_buffered(m, relay, head)
}

/// Reads the next piece of the body and relays it.
fn on_body_bytes(m: &mut Moment<'_, '_>, mut relay: BodyRelay) -> Step {
    relay.leftover = Vec::new();
    let Some(c) = m.conn.as_mut() else {
        return Step::Done(Outcome::close());
    };
    match m.buf.read_from(&mut c.stream) {
        Ok(0) => {
            // End of stream: the end of a close-delimited body, or a
            // broken one.
            if let Framing::Decoded { decoder, .. } = &mut relay.framing {
                if decoder.finish_at_eof().is_ok() {
                    *m.conn = None; // closed by the upstream: not pooled
                    return relay_buffered(m, relay, Vec::new());
                }
            }
            *m.conn = None;
            Step::Done(Outcome::close())
        }
        Ok(_) => relay_buffered(m, relay, Vec::new()),
        // Broken mid-body: nothing more can be said to the client.
        Err(_) => {
            *m.conn = None;
            Step::Done(Outcome::close())
        }
    }
}

/// Relays the body bytes in `buf` (after `head`, when the head has not
/// been sent yet), then finishes or waits for more.
fn relay_buffered(m: &mut Moment<'_, '_>, mut relay: BodyRelay, head: Vec<u8>) -> Step {
    let Moment {
        gw,
        upstream,
        conn,
        buf,
        client,
    } = m;
    let done = match &mut relay.framing {
        Framing::Length { left } => {
            // The head and the body bytes at hand go out in one writev.
            let take = usize::try_from(*left).unwrap_or(usize::MAX).min(buf.len());
            let mut slices = [
                IoSlice::new(&head),
                IoSlice::new(buf.filled().get(..take).unwrap_or_default()),
            ];
            let mut to_client = client.stream;
            if write_all_vectored(&mut to_client, &mut slices).is_err() {
                return Step::Done(Outcome::close());
            }
            buf.consume(take);
            *left -= take as u64;
            *left == 0
        }
        Framing::Decoded { decoder, to_client } => {
            let mut out = head;
            let mut data = Vec::new();
            while !buf.is_empty() && !decoder.is_done() {
                data.clear();
                let Ok(p) = decoder.decode(buf.filled(), &mut data) else {
                    // Malformed upstream framing mid-body: the client has its
                    // head, so the only thing left to do is close.
                    let _ = client.write_all(&out);
                    return Step::Done(Outcome::close());
                };
                buf.consume(p.consumed);
                if *to_client == ClientFraming::Chunked {
                    encode_chunk(&data, &mut out);
                } else {
                    out.extend_from_slice(&data);
                }
                if p.consumed == 0 {
                    break;
                }
            }
            let done = decoder.is_done();
            if done && *to_client == ClientFraming::Chunked {
                out.extend_from_slice(LAST_CHUNK);
            }
            if !out.is_empty() && client.write_all(&out).is_err() {
                return Step::Done(Outcome::close());
            }
            if !done {
                // A chunk line cut in two waits with the exchange.
                relay.leftover = buf.filled().to_vec();
            }
            done
        }
    };
    if !done {
        if conn.is_none() {
            return Step::Done(Outcome::close());
        }
        return Step::Wait(Phase::Body(relay));
    }
    // Bytes after the body mean the connection is out of step: not pooled.
    if let Some(c) = conn.take() {
        if relay.pool_ok && buf.is_empty() {
            upstream.release(c, gw.clock.as_ref());
        }
    }
    Step::Done(relay.outcome)
}
