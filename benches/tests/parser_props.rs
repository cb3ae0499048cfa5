//! Properties of the HTTP/1.1 engine, checked on generated input:
//!
//! - a valid request parses the same whatever the read boundaries;
//! - arbitrary bytes never panic the head parsers or the body decoder;
//! - writing a request head and parsing it back gives the same parts;
//! - chunked encoding then decoding gives the data back, for any split;
//! - for any bytes at all (valid requests with random damage, under small
//!   limits), the answer over growing prefixes is "partial" until it is
//!   final, and then never changes: the split point cannot change the
//!   verdict, which is what makes pipelining and smuggling defences sound;
//! - a stream of pipelined requests with Content-Length and chunked bodies
//!   (extensions, trailers) read by a small connection loop, fed in random
//!   pieces, gives exactly the requests that were written, in order.
//!
//! Every property runs 512 cases.

use gatelite::http::{
    encode_chunk, parse_request, parse_response, request_framing, write_request_head,
    write_response_head, BodyDecoder, BodyKind, Header, Limits, ParseError, RequestHead, Status,
    Version, EMPTY_HEADER, LAST_CHUNK, MAX_HEADERS,
};
use proptest::prelude::*;

/// A method: 1 to 10 token characters.
fn method() -> impl Strategy<Value = String> {
    "[A-Z][A-Za-z0-9!#$%&'*+.^_`|~-]{0,9}"
}

/// An origin-form target: visible ASCII only.
fn target() -> impl Strategy<Value = String> {
    "/[!-~]{0,60}"
}

/// A header name (token) and a value (visible ASCII and inner spaces, no
/// surrounding whitespace, since the parser trims it).
fn header() -> impl Strategy<Value = (String, String)> {
    ("[A-Za-z][A-Za-z0-9-]{0,20}", "([!-~]([ !-~]{0,40}[!-~])?)?")
}

/// A header whose name the framing rules do not look at, so that any list
/// of them keeps a request valid.
fn plain_header() -> impl Strategy<Value = (String, String)> {
    header().prop_filter(
        "framing and routing fields are added on purpose",
        |(n, _)| {
            ![
                "host",
                "content-length",
                "transfer-encoding",
                "connection",
                "expect",
            ]
            .iter()
            .any(|f| n.eq_ignore_ascii_case(f))
        },
    )
}

fn request() -> impl Strategy<Value = (String, String, Vec<(String, String)>)> {
    (method(), target(), prop::collection::vec(header(), 0..12))
}

/// The parts of a parsed request, owned, for comparison.
type Parts = (String, String, Vec<(String, Vec<u8>)>, usize);

fn parts(head: &RequestHead, headers: &[Header]) -> Parts {
    let hs = headers[..head.header_count]
        .iter()
        .map(|h| (h.name.to_string(), h.value.to_vec()))
        .collect();
    (
        head.method.to_string(),
        head.target.to_string(),
        hs,
        head.head_len,
    )
}

fn parse_whole(buf: &[u8]) -> Result<Option<Parts>, ParseError> {
    let mut headers = [EMPTY_HEADER; MAX_HEADERS];
    Ok(
        match parse_request(buf, &mut headers, &Limits::default())? {
            Status::Complete(head) => Some(parts(&head, &headers)),
            Status::Partial => None,
        },
    )
}

fn serialize(method: &str, target: &str, headers: &[(String, String)]) -> Vec<u8> {
    let pairs: Vec<(&str, &[u8])> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()))
        .collect();
    let mut out = Vec::new();
    write_request_head(&mut out, method, target, &pairs);
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Feeding buf[..k] for growing k gives Partial until the head is whole,
    /// and then exactly the result of parsing the whole buffer at once.
    #[test]
    fn incremental_parse_matches_whole((m, t, hs) in request(), step in 1usize..64) {
        let buf = serialize(&m, &t, &hs);
        let whole = parse_whole(&buf).unwrap().unwrap();
        let mut k = 0;
        loop {
            k = (k + step).min(buf.len());
            match parse_whole(&buf[..k]).unwrap() {
                Some(p) => {
                    prop_assert_eq!(k, buf.len());
                    prop_assert_eq!(&p, &whole);
                    break;
                }
                None => prop_assert!(k < buf.len()),
            }
        }
    }

    /// write_request_head then parse_request gives back what was written.
    #[test]
    fn write_then_parse_round_trips((m, t, hs) in request(), trailing in prop::collection::vec(any::<u8>(), 0..16)) {
        let mut buf = serialize(&m, &t, &hs);
        let head_len = buf.len();
        buf.extend_from_slice(&trailing);
        let (pm, pt, phs, plen) = parse_whole(&buf).unwrap().unwrap();
        prop_assert_eq!(pm, m);
        prop_assert_eq!(pt, t);
        prop_assert_eq!(plen, head_len);
        let expected: Vec<(String, Vec<u8>)> =
            hs.iter().map(|(n, v)| (n.clone(), v.as_bytes().to_vec())).collect();
        prop_assert_eq!(phs, expected);
    }

    /// Random bytes never panic the request parser, and whatever it
    /// accepts stays within the buffer.
    #[test]
    fn random_bytes_never_panic_request(buf in prop::collection::vec(any::<u8>(), 0..512)) {
        let mut headers = [EMPTY_HEADER; 16];
        if let Ok(Status::Complete(head)) = parse_request(&buf, &mut headers, &Limits::default()) {
            prop_assert!(head.head_len <= buf.len());
        }
    }

    /// Random bytes behind a valid request line explore the header parser.
    #[test]
    fn random_headers_never_panic(tail in prop::collection::vec(any::<u8>(), 0..512)) {
        let mut buf = b"GET / HTTP/1.1\r\n".to_vec();
        buf.extend_from_slice(&tail);
        let mut headers = [EMPTY_HEADER; 16];
        let _ = parse_request(&buf, &mut headers, &Limits::default());
        let mut buf = b"HTTP/1.1 200 OK\r\n".to_vec();
        buf.extend_from_slice(&tail);
        let _ = parse_response(&buf, &mut headers, 1024);
    }

    #[test]
    fn random_bytes_never_panic_response(buf in prop::collection::vec(any::<u8>(), 0..512)) {
        let mut headers = [EMPTY_HEADER; 16];
        if let Ok(Status::Complete(head)) = parse_response(&buf, &mut headers, 16 * 1024) {
            prop_assert!(head.head_len <= buf.len());
        }
    }

    /// Random bytes, in random pieces, never panic the body decoder, and it
    /// never consumes more than it is given.
    #[test]
    fn random_bytes_never_panic_decoder(
        buf in prop::collection::vec(any::<u8>(), 0..512),
        pieces in prop::collection::vec(1usize..32, 1..32),
        kind in prop_oneof![
            Just(BodyKind::Chunked),
            Just(BodyKind::UntilClose),
            (0u64..600).prop_map(BodyKind::Length),
        ],
    ) {
        let mut dec = BodyDecoder::new(kind, 256);
        let mut out = Vec::new();
        let mut pos = 0;
        for n in pieces.iter().cycle().take(200) {
            let end = (pos + n).min(buf.len());
            match dec.decode(&buf[pos..end], &mut out) {
                Ok(p) => {
                    prop_assert!(p.consumed <= end - pos);
                    pos += p.consumed;
                    if p.done || pos == buf.len() { break; }
                }
                Err(_) => break,
            }
        }
        prop_assert!(out.len() <= 256);
        let _ = dec.finish_at_eof();
    }

    /// Chunked encode then decode round-trips the data, for any chunking of
    /// the data and any split of the wire bytes, and stops at the body's end.
    #[test]
    fn chunked_round_trip(
        chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..8),
        splits in prop::collection::vec(1usize..64, 1..16),
    ) {
        let mut wire = Vec::new();
        for c in &chunks {
            encode_chunk(c, &mut wire);
        }
        wire.extend_from_slice(LAST_CHUNK);
        let body_len = wire.len();
        wire.extend_from_slice(b"GET /next HTTP/1.1\r\n");
        let expected: Vec<u8> = chunks.concat();

        let mut dec = BodyDecoder::new(BodyKind::Chunked, u64::MAX);
        let mut out = Vec::new();
        let mut pos = 0;
        for n in splits.iter().cycle() {
            let end = (pos + n).min(wire.len());
            let p = dec.decode(&wire[pos..end], &mut out).unwrap();
            pos += p.consumed;
            if p.done { break; }
            prop_assert!(pos < wire.len());
        }
        prop_assert_eq!(pos, body_len);
        prop_assert_eq!(&out, &expected);
        prop_assert_eq!(dec.decoded_total(), expected.len() as u64);
        prop_assert!(dec.finish_at_eof().is_ok());
    }

    /// For any bytes (a valid request damaged at random places, under small
    /// limits so that 414 and 431 are reached too), the outcomes over the
    /// prefixes buf[..0], buf[..1], ... are `Partial` up to some length and
    /// then one and the same final answer (the same head or the same error)
    /// for every longer prefix.
    #[test]
    fn prefix_outcomes_are_partial_then_final(
        (m, t, hs) in request(),
        damage in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 0..4),
        max_head_bytes in 48usize..400,
        max_uri_bytes in 4usize..80,
    ) {
        let mut buf = serialize(&m, &t, &hs);
        for (at, byte, how) in &damage {
            let i = at.index(buf.len() + 1);
            match how {
                0 if i < buf.len() => buf[i] = *byte,
                1 => buf.insert(i, *byte),
                _ if i < buf.len() => { buf.remove(i); }
                _ => {}
            }
        }
        let limits = Limits { max_head_bytes, max_uri_bytes, ..Limits::default() };
        let outcome = |k: usize| -> Result<Option<Parts>, ParseError> {
            let mut headers = [EMPTY_HEADER; 16];
            Ok(match parse_request(&buf[..k], &mut headers, &limits)? {
                Status::Complete(head) => Some(parts(&head, &headers)),
                Status::Partial => None,
            })
        };
        let mut verdict: Option<(usize, Result<Option<Parts>, ParseError>)> = None;
        for k in 0..=buf.len() {
            let got = outcome(k);
            match &verdict {
                None if got == Ok(None) => {}
                None => verdict = Some((k, got)),
                Some((at, first)) => prop_assert_eq!(
                    &got, first, "prefix {} changed the verdict given at {}", k, at
                ),
            }
        }
    }

    /// A pipelined stream of requests with bodies, read by a small
    /// connection loop (head, framing rules, body decoder, next head) from
    /// pieces of random sizes, gives back exactly the requests written.
    #[test]
    fn pipelined_requests_with_bodies_survive_any_split(
        requests in prop::collection::vec(framed_request(), 1..4),
        pieces in prop::collection::vec(1usize..48, 1..24),
    ) {
        let mut wire = Vec::new();
        for r in &requests {
            r.write(&mut wire);
        }
        let whole = read_stream(&wire, &[wire.len().max(1)]).unwrap();
        let split = read_stream(&wire, &pieces).unwrap();
        let expected: Vec<ReadRequest> = requests.iter().map(FramedRequest::expected).collect();
        prop_assert_eq!(&whole, &expected);
        prop_assert_eq!(&split, &expected);
    }

    /// write_response_head then parse_response gives back the status and
    /// the fields, and the head ends where the writer stopped.
    #[test]
    fn response_write_then_parse_round_trips(
        status in 100u16..1000,
        hs in prop::collection::vec(header(), 0..12),
        trailing in prop::collection::vec(any::<u8>(), 0..16),
    ) {
        let pairs: Vec<(&str, &[u8])> =
            hs.iter().map(|(n, v)| (n.as_str(), v.as_bytes())).collect();
        let mut buf = Vec::new();
        write_response_head(&mut buf, Version::Http11, status, &pairs);
        let head_len = buf.len();
        buf.extend_from_slice(&trailing);
        let mut headers = [EMPTY_HEADER; MAX_HEADERS];
        let Ok(Status::Complete(head)) = parse_response(&buf, &mut headers, 16 * 1024) else {
            return Err(TestCaseError::fail(format!("not parsed: {:?}", String::from_utf8_lossy(&buf))));
        };
        prop_assert_eq!(head.status, status);
        prop_assert_eq!(head.head_len, head_len);
        let got: Vec<(String, Vec<u8>)> = headers[..head.header_count]
            .iter()
            .map(|h| (h.name.to_string(), h.value.to_vec()))
            .collect();
        let want: Vec<(String, Vec<u8>)> =
            hs.iter().map(|(n, v)| (n.clone(), v.as_bytes().to_vec())).collect();
        prop_assert_eq!(got, want);
    }
}

/// How a generated request frames its body.
#[derive(Clone, Debug)]
enum Framing {
    /// No body and no framing header.
    None,
    /// `Content-Length`.
    Length(Vec<u8>),
    /// `Transfer-Encoding: chunked`: the chunks, an extension for each size
    /// line (and the last), upper- or lowercase hex, and trailer fields.
    Chunked {
        chunks: Vec<Vec<u8>>,
        extensions: Vec<String>,
        uppercase: bool,
        trailers: Vec<(String, String)>,
    },
}

/// One request of a pipelined stream.
#[derive(Clone, Debug)]
struct FramedRequest {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    framing: Framing,
}

/// What the connection loop read: method, target, header count, body.
type ReadRequest = (String, String, usize, Vec<u8>);

/// A chunk extension: empty, or `;name`, `;name=token`, `;name="quoted"`.
fn extension() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "(;[a-z]{1,6}(=[a-z0-9]{1,6})?){1,3}",
        "; ?[a-z]{1,6}=\"[ a-z]{0,8}\"",
    ]
}

fn framed_request() -> impl Strategy<Value = FramedRequest> {
    let body = prop::collection::vec(any::<u8>(), 0..200);
    let framing = prop_oneof![
        Just(Framing::None),
        body.clone().prop_map(Framing::Length),
        (
            prop::collection::vec(prop::collection::vec(any::<u8>(), 1..80), 0..5),
            prop::collection::vec(extension(), 6),
            any::<bool>(),
            prop::collection::vec(plain_header(), 0..3),
        )
            .prop_map(
                |(chunks, extensions, uppercase, trailers)| Framing::Chunked {
                    chunks,
                    extensions,
                    uppercase,
                    trailers,
                }
            ),
    ];
    (
        method(),
        target(),
        prop::collection::vec(plain_header(), 0..6),
        framing,
    )
        .prop_map(|(method, target, headers, framing)| FramedRequest {
            method,
            target,
            headers,
            framing,
        })
}

impl FramedRequest {
    /// Appends the request as a client would send it.
    fn write(&self, wire: &mut Vec<u8>) {
        let mut hs = self.headers.clone();
        hs.push(("Host".into(), "api.example.com".into()));
        match &self.framing {
            Framing::None => {}
            Framing::Length(b) => hs.push(("Content-Length".into(), b.len().to_string())),
            Framing::Chunked { .. } => hs.push(("Transfer-Encoding".into(), "chunked".into())),
        }
        wire.extend_from_slice(&serialize(&self.method, &self.target, &hs));
        match &self.framing {
            Framing::None => {}
            Framing::Length(b) => wire.extend_from_slice(b),
            Framing::Chunked {
                chunks,
                extensions,
                uppercase,
                trailers,
            } => {
                let ext = |i: usize| {
                    extensions
                        .get(i % extensions.len())
                        .cloned()
                        .unwrap_or_default()
                };
                for (i, c) in chunks.iter().enumerate() {
                    let size = if *uppercase {
                        format!("{:X}", c.len())
                    } else {
                        format!("{:x}", c.len())
                    };
                    wire.extend_from_slice(format!("{size}{}\r\n", ext(i)).as_bytes());
                    wire.extend_from_slice(c);
                    wire.extend_from_slice(b"\r\n");
                }
                wire.extend_from_slice(format!("0{}\r\n", ext(chunks.len())).as_bytes());
                for (n, v) in trailers {
                    wire.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
                }
                wire.extend_from_slice(b"\r\n");
            }
        }
    }

    /// What the connection loop must read for this request.
    fn expected(&self) -> ReadRequest {
        let (extra, body) = match &self.framing {
            Framing::None => (1, Vec::new()),
            Framing::Length(b) => (2, b.clone()),
            Framing::Chunked { chunks, .. } => (2, chunks.concat()),
        };
        (
            self.method.clone(),
            self.target.clone(),
            self.headers.len() + extra,
            body,
        )
    }
}

/// The server's read loop in miniature: bytes arrive in pieces of the
/// given sizes (cycled); each request head is parsed from the front of the
/// buffer, the framing rules choose its body decoder, the decoder takes
/// exactly its body, and what is left is the next request.
fn read_stream(wire: &[u8], pieces: &[usize]) -> Result<Vec<ReadRequest>, ParseError> {
    let limits = Limits::default();
    let mut buf: Vec<u8> = Vec::new();
    let mut read = Vec::new();
    let mut current: Option<(ReadRequest, BodyDecoder)> = None;
    let mut fed = 0;
    let mut sizes = pieces.iter().cycle();
    loop {
        // Use what the buffer holds.
        loop {
            if let Some((req, decoder)) = current.as_mut() {
                let p = decoder.decode(&buf, &mut req.3)?;
                buf.drain(..p.consumed);
                if !p.done {
                    break;
                }
                if let Some((req, _)) = current.take() {
                    read.push(req);
                }
                continue;
            }
            let mut headers = [EMPTY_HEADER; MAX_HEADERS];
            let Status::Complete(head) = parse_request(&buf, &mut headers, &limits)? else {
                break;
            };
            let framing = request_framing(head.version, &headers[..head.header_count], &limits)?;
            let req = (
                head.method.to_string(),
                head.target.to_string(),
                head.header_count,
                Vec::new(),
            );
            let head_len = head.head_len;
            buf.drain(..head_len);
            current = Some((req, BodyDecoder::new(framing.body, limits.max_body_bytes)));
        }
        if fed == wire.len() {
            break;
        }
        let n = (*sizes.next().unwrap_or(&1)).min(wire.len() - fed);
        buf.extend_from_slice(&wire[fed..fed + n]);
        fed += n;
    }
    assert!(
        current.is_none() && buf.is_empty(),
        "stream ended inside a request"
    );
    Ok(read)
}
