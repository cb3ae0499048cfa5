//! Properties of the HTTP/1.1 engine, checked on generated input:
//!
//! - a valid request parses the same whatever the read boundaries;
//! - arbitrary bytes never panic the head parsers or the body decoder;
//! - writing a request head and parsing it back gives the same parts;
//! - chunked encoding then decoding gives the data back, for any split.

use gatelite::http::{
    encode_chunk, parse_request, parse_response, write_request_head, BodyDecoder, BodyKind, Header,
    Limits, ParseError, RequestHead, Status, EMPTY_HEADER, LAST_CHUNK, MAX_HEADERS,
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
}
