//! Where a message body ends: the framing rules, and the smuggling defences.
//!
//! A proxy and the server behind it must agree, byte for byte, on where
//! each request ends. When they disagree, an attacker can hide a second
//! request inside the body of the first ("request smuggling"). So every
//! framing header that could be read two ways is refused here (RFC 9112 §6):
//!
//! ```text
//! Content-Length    = 1*DIGIT                     ; RFC 9110 §8.6
//! Transfer-Encoding = #transfer-coding            ; RFC 9112 §6.1
//! Host              = uri-host [ ":" port ]       ; RFC 9110 §7.2
//! uri-host          = IP-literal / IPv4address / reg-name   ; RFC 3986 §3.2.2
//! ```
//!
//! | request carries | answer |
//! |---|---|
//! | Content-Length and Transfer-Encoding | 400 (§6.1: "ought to be handled as an error") |
//! | CL values that differ, or a CL with a sign, a non-digit, or nothing | 400 |
//! | `CL: 5, 5` or two lines of `5` | one value, 5 (§6.3 allows it) |
//! | TE whose last coding is not `chunked` | 400 (§6.3: the length cannot be known) |
//! | `chunked` more than once | 400 (§7: "MUST NOT apply chunked more than once") |
//! | any coding besides `chunked` (`gzip, chunked`) | 501 (§6.1: a coding we do not understand) |
//! | TE on HTTP/1.0 | 400 (a 1.0 hop in between would not know TE) |
//! | HTTP/1.1 with no Host, several Host, a Host that is not `host[:port]` | 400 |
//! | an empty Host (RFC 9110 §7.2 allows it for a target without authority) | 400, as nginx: a gateway routes by host |
//! | a Host with userinfo (`user@h`), a port past 65535 or an empty port | 400 |
//! | CL larger than the body limit | 413, before any body byte is read |
//!
//! Why `gzip, chunked` is 501 and not accepted: the gateway removes the
//! chunked coding while it streams and forwards a body framed its own way;
//! it would then have to forward `gzip` as a transfer-coding too, and most
//! origin servers do not implement transfer-codings other than chunked. Only
//! accepting what we fully understand keeps the two ends in agreement.
//! (nginx and Envoy answer 501 to every coding but a lone `chunked`; we keep
//! 400 where the last coding is not chunked, as DESIGN.md §8 says, because
//! then the body's length cannot be known at all.)
//! The same codings rule applies to responses (the proxy then answers 502).

use super::error::ParseError;
use super::headers::{connection_has_token, eq_ignore_case, find_all, list_items};
use super::limits::Limits;
use super::parse::Header;
use super::Version;

/// How a message body is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    /// No body at all.
    None,
    /// Exactly this many bytes.
    Length(u64),
    /// The chunked transfer-coding.
    Chunked,
    /// Everything until the peer closes the connection (responses only).
    UntilClose,
}

/// The framing decision for a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestFraming {
    /// How the body is delimited (never `UntilClose` for a request).
    pub body: BodyKind,
    /// Whether the connection may carry another request after this one.
    pub keep_alive: bool,
    /// The client sent `Expect: 100-continue` over HTTP/1.1 and waits for a
    /// `100 Continue` before sending the body (RFC 9110 §10.1.1; the header
    /// is ignored on HTTP/1.0, as that section requires).
    pub expect_continue: bool,
}

/// Applies every request framing rule of DESIGN.md §8 (see the module doc).
pub fn request_framing(
    version: Version,
    headers: &[Header],
    limits: &Limits,
) -> Result<RequestFraming, ParseError> {
    let fields = FramingFields::collect(headers)?;
    match (fields.hosts, fields.host) {
        (0, _) if version == Version::Http11 => return Err(ParseError::MissingHost),
        (0, _) => {}
        (1, Some(host)) if is_valid_host(host) => {}
        (1, _) => return Err(ParseError::BadHost),
        _ => return Err(ParseError::MultipleHost),
    }
    let body = match (fields.transfer_encoding, fields.content_length) {
        (true, Some(_)) => return Err(ParseError::ContentLengthWithTransferEncoding),
        (true, None) if version == Version::Http10 => {
            return Err(ParseError::TransferEncodingOnHttp10)
        }
        (true, None) => {
            check_transfer_codings(headers)?;
            BodyKind::Chunked
        }
        (false, Some(n)) if n > limits.max_body_bytes => return Err(ParseError::BodyTooLarge),
        (false, Some(0)) | (false, None) => BodyKind::None,
        (false, Some(n)) => BodyKind::Length(n),
    };
    Ok(RequestFraming {
        body,
        keep_alive: fields.keep_alive(version),
        expect_continue: version == Version::Http11 && fields.expect_continue,
    })
}

/// True for the statuses whose responses never have a body, whatever
/// their headers say: 1xx, 204 No Content, 304 Not Modified (RFC 9110
/// §15.2, §15.3.5, §15.4.5).
pub fn status_has_no_body(status: u16) -> bool {
    (100..200).contains(&status) || status == 204 || status == 304
}

/// How the body of a response to `request_method` with `status` is framed
/// (RFC 9112 §6.3): none for HEAD, 1xx, 204, 304 (and a 2xx to CONNECT,
/// which turns the connection into a tunnel); else chunked, else
/// Content-Length, else until close. CL with TE, a bad CL and a TE we do
/// not implement are errors, as for requests.
pub fn response_body_kind(
    request_method: &str,
    status: u16,
    headers: &[Header],
) -> Result<BodyKind, ParseError> {
    if request_method == "HEAD"
        || status_has_no_body(status)
        || (request_method == "CONNECT" && (200..300).contains(&status))
    {
        return Ok(BodyKind::None);
    }
    let fields = FramingFields::collect(headers)?;
    match (fields.transfer_encoding, fields.content_length) {
        (true, Some(_)) => Err(ParseError::ContentLengthWithTransferEncoding),
        (true, None) => check_transfer_codings(headers).map(|()| BodyKind::Chunked),
        (false, Some(n)) => Ok(BodyKind::Length(n)),
        (false, None) => Ok(BodyKind::UntilClose),
    }
}

/// Whether the server will keep the connection open after this response.
/// (A response framed `UntilClose` ends the connection regardless.)
pub fn response_keep_alive(version: Version, headers: &[Header]) -> bool {
    let close = connection_has_token(headers, "close");
    match version {
        Version::Http11 => !close,
        Version::Http10 => !close && connection_has_token(headers, "keep-alive"),
    }
}

/// What the framing rules need from a header list, gathered in one walk
/// over it (each name is classified once, by length first, instead of
/// searching the list once per field).
#[derive(Default)]
struct FramingFields<'b> {
    hosts: usize,
    host: Option<&'b [u8]>,
    transfer_encoding: bool,
    content_length: Option<u64>,
    close: bool,
    keep_alive_token: bool,
    expect_continue: bool,
}

impl<'b> FramingFields<'b> {
    /// Walks `headers` once; fails on a bad or conflicting Content-Length.
    fn collect(headers: &[Header<'b>]) -> Result<Self, ParseError> {
        let mut f = FramingFields::default();
        for h in headers {
            let name = h.name.as_bytes();
            match name.len() {
                4 if eq_ignore_case(name, b"host") => {
                    f.hosts += 1;
                    f.host = Some(h.value);
                }
                6 if eq_ignore_case(name, b"expect") => {
                    f.expect_continue |= eq_ignore_case(h.value, b"100-continue");
                }
                10 if eq_ignore_case(name, b"connection") => {
                    for token in list_items(h.value) {
                        f.close |= eq_ignore_case(token, b"close");
                        f.keep_alive_token |= eq_ignore_case(token, b"keep-alive");
                    }
                }
                14 if eq_ignore_case(name, b"content-length") => {
                    f.add_content_length(h.value)?;
                }
                17 if eq_ignore_case(name, b"transfer-encoding") => f.transfer_encoding = true,
                _ => {}
            }
        }
        Ok(f)
    }

    /// Every element of every CL line must be `1*DIGIT`, and all equal.
    fn add_content_length(&mut self, value: &[u8]) -> Result<(), ParseError> {
        let mut any = false;
        for item in list_items(value) {
            any = true;
            let n = parse_decimal(item).ok_or(ParseError::BadContentLength)?;
            match self.content_length {
                Some(prev) if prev != n => return Err(ParseError::ConflictingContentLength),
                _ => self.content_length = Some(n),
            }
        }
        if any {
            Ok(())
        } else {
            Err(ParseError::BadContentLength)
        }
    }

    /// RFC 9112 §9.3: 1.1 is persistent unless `close`; 1.0 only with
    /// `keep-alive` (and no `close`).
    fn keep_alive(&self, version: Version) -> bool {
        match version {
            Version::Http11 => !self.close,
            Version::Http10 => !self.close && self.keep_alive_token,
        }
    }
}

/// `1*DIGIT` as a `u64`: no sign, no spaces, no overflow.
fn parse_decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |acc, &b| {
        if !b.is_ascii_digit() {
            return None;
        }
        acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

/// Transfer-Encoding, over all its lines, must be exactly `chunked`:
/// nothing, or a last coding other than chunked, is 400 (the length cannot
/// be known); chunked twice is 400; another coding before chunked is 501.
fn check_transfer_codings(headers: &[Header]) -> Result<(), ParseError> {
    let is_chunked = |c: &[u8]| eq_ignore_case(c, b"chunked");
    let mut last: Option<&[u8]> = None;
    let (mut chunked_before_last, mut other_before_last) = (false, false);
    for coding in find_all(headers, "transfer-encoding").flat_map(list_items) {
        if let Some(prev) = last {
            if is_chunked(prev) {
                chunked_before_last = true;
            } else {
                other_before_last = true;
            }
        }
        last = Some(coding);
    }
    match last {
        Some(c) if is_chunked(c) => {}
        _ => return Err(ParseError::ChunkedNotLast),
    }
    if chunked_before_last {
        Err(ParseError::ChunkedTwice)
    } else if other_before_last {
        Err(ParseError::UnknownTransferCoding)
    } else {
        Ok(())
    }
}

/// `uri-host [ ":" port ]` where `uri-host` is `[IPv6]`, an IPv4 address or
/// a reg-name (`unreserved / pct-encoded / sub-delims`, RFC 3986 §3.2.2)
/// and `port` is 1 to 5 digits up to 65535. An empty Host is refused: a
/// gateway routes by host and has no use for an authority-less request.
pub fn is_valid_host(value: &[u8]) -> bool {
    if let Some(inner) = value.strip_prefix(b"[") {
        let Some(close) = inner.iter().position(|&b| b == b']') else {
            return false;
        };
        let literal = inner.get(..close).unwrap_or(&[]);
        let is_ipv6 =
            std::str::from_utf8(literal).is_ok_and(|s| s.parse::<std::net::Ipv6Addr>().is_ok());
        return is_ipv6
            && match inner.get(close + 1..).unwrap_or(&[]) {
                [] => true,
                [b':', port @ ..] => is_port(port),
                _ => false,
            };
    }
    match value.iter().position(|&b| b == b':') {
        Some(i) => {
            is_reg_name(value.get(..i).unwrap_or(&[])) && is_port(value.get(i + 1..).unwrap_or(&[]))
        }
        None => is_reg_name(value),
    }
}

/// `port` as 1 to 5 digits, at most 65535.
fn is_port(port: &[u8]) -> bool {
    port.len() <= 5 && parse_decimal(port).is_some_and(|n| n <= 65535)
}

/// `reg-name = 1*( unreserved / pct-encoded / sub-delims )` (non-empty here).
fn is_reg_name(host: &[u8]) -> bool {
    let mut bytes = host.iter();
    let mut any = false;
    while let Some(&b) = bytes.next() {
        any = true;
        let ok = match b {
            b'%' => matches!((bytes.next(), bytes.next()),
                (Some(h1), Some(h2)) if h1.is_ascii_hexdigit() && h2.is_ascii_hexdigit()),
            b'-' | b'.' | b'_' | b'~' => true,
            b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' => true,
            _ => b.is_ascii_alphanumeric(),
        };
        if !ok {
            return false;
        }
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hs<'a>(pairs: &[(&'a str, &'a str)]) -> Vec<Header<'a>> {
        pairs
            .iter()
            .map(|&(name, v)| Header {
                name,
                value: v.as_bytes(),
            })
            .collect()
    }

    fn framing(version: Version, pairs: &[(&str, &str)]) -> Result<RequestFraming, ParseError> {
        request_framing(version, &hs(pairs), &Limits::default())
    }

    fn body(pairs: &[(&str, &str)]) -> Result<BodyKind, ParseError> {
        framing(Version::Http11, pairs).map(|f| f.body)
    }

    #[test]
    fn request_bodies() {
        use BodyKind::*;
        let h = ("Host", "a");
        type Case<'a> = (&'a [(&'a str, &'a str)], Result<BodyKind, ParseError>);
        let cases: &[Case] = &[
            (&[h], Ok(None)),
            (&[h, ("Content-Length", "0")], Ok(None)),
            (&[h, ("Content-Length", "42")], Ok(Length(42))),
            (&[h, ("content-length", "5, 5")], Ok(Length(5))),
            (
                &[h, ("Content-Length", "5"), ("Content-Length", "5")],
                Ok(Length(5)),
            ),
            (&[h, ("Transfer-Encoding", "chunked")], Ok(Chunked)),
            (&[h, ("Transfer-Encoding", "Chunked")], Ok(Chunked)),
            (
                &[
                    h,
                    ("Transfer-Encoding", ""),
                    ("Transfer-Encoding", "chunked"),
                ],
                Ok(Chunked),
            ),
            // smuggling defences
            (
                &[h, ("Content-Length", "5"), ("Transfer-Encoding", "chunked")],
                Err(ParseError::ContentLengthWithTransferEncoding),
            ),
            (
                &[h, ("Content-Length", "5"), ("Content-Length", "6")],
                Err(ParseError::ConflictingContentLength),
            ),
            (
                &[h, ("Content-Length", "5, 6")],
                Err(ParseError::ConflictingContentLength),
            ),
            (
                &[h, ("Content-Length", "+5")],
                Err(ParseError::BadContentLength),
            ),
            (
                &[h, ("Content-Length", "-5")],
                Err(ParseError::BadContentLength),
            ),
            (
                &[h, ("Content-Length", "0x10")],
                Err(ParseError::BadContentLength),
            ),
            (
                &[h, ("Content-Length", "5 5")],
                Err(ParseError::BadContentLength),
            ),
            (
                &[h, ("Content-Length", "")],
                Err(ParseError::BadContentLength),
            ),
            (
                &[h, ("Content-Length", "99999999999999999999999")],
                Err(ParseError::BadContentLength),
            ),
            (
                &[h, ("Transfer-Encoding", "gzip")],
                Err(ParseError::ChunkedNotLast),
            ),
            (
                &[h, ("Transfer-Encoding", "chunked, gzip")],
                Err(ParseError::ChunkedNotLast),
            ),
            (
                &[h, ("Transfer-Encoding", "")],
                Err(ParseError::ChunkedNotLast),
            ),
            (
                &[
                    h,
                    ("Transfer-Encoding", "chunked"),
                    ("Transfer-Encoding", "identity"),
                ],
                Err(ParseError::ChunkedNotLast),
            ),
            (
                &[h, ("Transfer-Encoding", "chunked, chunked")],
                Err(ParseError::ChunkedTwice),
            ),
            (
                &[h, ("Transfer-Encoding", "gzip, chunked")],
                Err(ParseError::UnknownTransferCoding),
            ),
            (
                &[
                    h,
                    ("Transfer-Encoding", "x-custom"),
                    ("Transfer-Encoding", "chunked"),
                ],
                Err(ParseError::UnknownTransferCoding),
            ),
            (
                &[h, ("Transfer-Encoding", "chunked;q=1")],
                Err(ParseError::ChunkedNotLast),
            ),
            (
                &[h, ("Content-Length", "10485761")],
                Err(ParseError::BodyTooLarge),
            ),
            (&[h, ("Content-Length", "10485760")], Ok(Length(10_485_760))),
        ];
        for (pairs, want) in cases {
            assert_eq!(&body(pairs), want, "{pairs:?}");
        }
        assert_eq!(ParseError::UnknownTransferCoding.status(), 501);
        assert_eq!(ParseError::BodyTooLarge.status(), 413);
    }

    #[test]
    fn te_on_http10_is_refused() {
        let got = framing(Version::Http10, &[("Transfer-Encoding", "chunked")]);
        assert_eq!(got, Err(ParseError::TransferEncodingOnHttp10));
    }

    #[test]
    fn host_rules() {
        assert_eq!(framing(Version::Http11, &[]), Err(ParseError::MissingHost));
        assert!(framing(Version::Http10, &[]).is_ok());
        assert_eq!(
            framing(Version::Http11, &[("Host", "a"), ("host", "a")]),
            Err(ParseError::MultipleHost)
        );
        for good in [
            "example.com",
            "a.b-c_d~e",
            "127.0.0.1",
            "h:8080",
            "[::1]",
            "[::1]:443",
            "x%41y",
            "h:65535",
        ] {
            assert!(
                framing(Version::Http11, &[("Host", good)]).is_ok(),
                "{good}"
            );
        }
        for bad in [
            "", "a b", "a/b", "a:", "a:x", "a:65536", "a:123456", "[::1", "[zz]", "[::1]x", "a@b",
            ":80", "a:1:2",
        ] {
            assert_eq!(
                framing(Version::Http11, &[("Host", bad)]),
                Err(ParseError::BadHost),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn keep_alive_and_expect() {
        let h = ("Host", "a");
        let ka = |v, p: &[(&str, &str)]| framing(v, p).map(|f| f.keep_alive);
        assert_eq!(ka(Version::Http11, &[h]), Ok(true));
        assert_eq!(
            ka(Version::Http11, &[h, ("Connection", "Close")]),
            Ok(false)
        );
        assert_eq!(
            ka(
                Version::Http11,
                &[h, ("Connection", "foo"), ("Connection", "x, close")]
            ),
            Ok(false)
        );
        assert_eq!(ka(Version::Http10, &[]), Ok(false));
        assert_eq!(
            ka(Version::Http10, &[("Connection", "Keep-Alive")]),
            Ok(true)
        );
        assert_eq!(
            ka(Version::Http10, &[("Connection", "keep-alive, close")]),
            Ok(false)
        );
        let ec = |v, p: &[(&str, &str)]| framing(v, p).map(|f| f.expect_continue);
        assert_eq!(
            ec(Version::Http11, &[h, ("Expect", "100-Continue")]),
            Ok(true)
        );
        assert_eq!(ec(Version::Http11, &[h]), Ok(false));
        assert_eq!(
            ec(Version::Http10, &[("Expect", "100-continue")]),
            Ok(false)
        );
    }

    #[test]
    fn response_framing() {
        use BodyKind::*;
        let cl = hs(&[("Content-Length", "10")]);
        let te = hs(&[("Transfer-Encoding", "chunked")]);
        assert_eq!(response_body_kind("HEAD", 200, &cl), Ok(None));
        assert_eq!(response_body_kind("GET", 204, &cl), Ok(None));
        assert_eq!(response_body_kind("GET", 304, &te), Ok(None));
        assert_eq!(response_body_kind("GET", 100, &[]), Ok(None));
        assert_eq!(response_body_kind("GET", 101, &[]), Ok(None));
        assert_eq!(response_body_kind("CONNECT", 200, &[]), Ok(None));
        assert_eq!(response_body_kind("GET", 200, &cl), Ok(Length(10)));
        assert_eq!(response_body_kind("GET", 200, &te), Ok(Chunked));
        assert_eq!(response_body_kind("GET", 200, &[]), Ok(UntilClose));
        assert_eq!(response_body_kind("GET", 404, &[]), Ok(UntilClose));
        let both = hs(&[("Content-Length", "10"), ("Transfer-Encoding", "chunked")]);
        assert_eq!(
            response_body_kind("GET", 200, &both),
            Err(ParseError::ContentLengthWithTransferEncoding)
        );
        let bad = hs(&[("Content-Length", "1, 2")]);
        assert_eq!(
            response_body_kind("GET", 200, &bad),
            Err(ParseError::ConflictingContentLength)
        );
        assert!(response_keep_alive(Version::Http11, &[]));
        assert!(!response_keep_alive(Version::Http10, &[]));
        assert!(!response_keep_alive(
            Version::Http11,
            &hs(&[("Connection", "close")])
        ));
    }
}
