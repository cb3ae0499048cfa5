//! The incremental, zero-copy parser for HTTP/1.1 message heads.
//!
//! The grammar (RFC 9112 §2.1, §3, §4, §5):
//!
//! ```text
//! HTTP-message   = start-line CRLF *( field-line CRLF ) CRLF [ message-body ]
//! start-line     = request-line / status-line
//! request-line   = method SP request-target SP HTTP-version
//! method         = token
//! HTTP-version   = HTTP-name "/" DIGIT "." DIGIT
//! HTTP-name      = %s"HTTP"
//! status-line    = HTTP-version SP status-code SP [ reason-phrase ]
//! status-code    = 3DIGIT
//! reason-phrase  = 1*( HTAB / SP / VCHAR / obs-text )
//! field-line     = field-name ":" OWS field-value OWS
//! field-name     = token
//! ```
//!
//! How the parser reads it:
//!
//! - **Three outcomes** ([`Status`]): `Complete` with the head and its length
//!   in bytes, `Partial` when the buffer ends before the blank line, or a
//!   [`ParseError`]. Errors are reported as soon as they are certain, even
//!   while the head is still partial, so an attacker cannot make us wait for
//!   the rest of a message we already know we will refuse.
//! - **Zero copies.** The method, target, header names and values are slices
//!   of the caller's buffer; headers go into a caller-owned fixed slice, and a
//!   head with more lines than fit is refused ([`ParseError::TooManyHeaders`])
//!   rather than growing anything (httparse's design).
//! - **Strict.** Lines end in CRLF: a bare LF is refused, and so is a CR
//!   not followed by LF, in the head and in chunked framing alike. RFC 9112
//!   §2.2 lets a recipient accept a bare LF, but a gateway must not: the
//!   server behind it may not, and the two would then disagree on where a
//!   line, and so the head, ends. No whitespace before a colon (§5.1: it
//!   must be rejected with 400, because recipients disagree on what it
//!   means), no obs-fold (§5.2), no controls in values. Before the request
//!   line, empty CRLF lines are skipped (§2.2).
//! - **Bounded.** Only the first `max_head_bytes` of the buffer are ever
//!   scanned; a buffer longer than that without a complete head is a 431. A
//!   request-target longer than `max_uri_bytes` is a 414 the moment the
//!   parser has seen that many target bytes. When the request line itself
//!   does not fit in the head limit, it is its target that is too long, so
//!   that is a 414 too (as in nginx), whichever limit is the smaller; only a
//!   head whose request line fits and whose fields do not is a 431.
//!
//! Call it again from the start of the buffer after each read (the head is
//! short and bounded, so rescanning costs less than keeping state), and keep
//! the buffer bounded: never retry on an ever-growing buffer.

use super::chars::{find_non_target, find_non_value, is_ows, is_token, is_value, trim_ows};
use super::error::ParseError;
use super::limits::Limits;
use super::Version;

/// The outcome of a parse that did not fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status<T> {
    /// The whole head was in the buffer.
    Complete(T),
    /// The buffer ends before the head does: read more bytes and call again.
    Partial,
}

impl<T> Status<T> {
    /// True for `Complete`.
    pub fn is_complete(&self) -> bool {
        matches!(self, Status::Complete(_))
    }
}

/// One header field line, borrowed from the read buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'b> {
    /// The field name as sent (case preserved; compare case-insensitively).
    pub name: &'b str,
    /// The field value with surrounding whitespace removed. It may contain
    /// obs-text bytes (`%x80-FF`), so it is bytes, not `str`.
    pub value: &'b [u8],
}

/// A placeholder to fill the caller's header array with.
pub const EMPTY_HEADER: Header<'static> = Header {
    name: "",
    value: b"",
};

/// A parsed request head. Its headers are `&headers[..header_count]` of the
/// slice passed to [`parse_request`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestHead<'b> {
    /// The method token, case-sensitive (`GET`, not `get`).
    pub method: &'b str,
    /// The request-target exactly as sent (origin, absolute, authority or
    /// asterisk form); visible ASCII only.
    pub target: &'b str,
    /// HTTP/1.0 or HTTP/1.1.
    pub version: Version,
    /// How many entries of the caller's header slice were filled.
    pub header_count: usize,
    /// Bytes from the start of the buffer up to and including the blank
    /// line: the body (or the next pipelined request) starts here.
    pub head_len: usize,
}

/// A parsed response head. Its headers are `&headers[..header_count]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseHead<'b> {
    /// HTTP/1.0 or HTTP/1.1.
    pub version: Version,
    /// The three-digit status code, 100 to 999.
    pub status: u16,
    /// The reason phrase (may be empty; `""` if it is not UTF-8).
    pub reason: &'b str,
    /// How many entries of the caller's header slice were filled.
    pub header_count: usize,
    /// Bytes up to and including the blank line.
    pub head_len: usize,
}

/// Unwraps an inner `Option` step or returns "need more bytes" (`Ok(None)`).
macro_rules! need {
    ($e:expr) => {
        match $e {
            Some(v) => v,
            None => return Ok(None),
        }
    };
}

/// Parses a request head from the start of `buf`.
///
/// Headers are written into `headers` (`&headers[..head.header_count]`);
/// [`ParseError::TooManyHeaders`] if it is full. `head_len` is the number of
/// bytes up to and including the blank line. `Partial` when more bytes are
/// needed — unless `buf` already holds more than `limits.max_head_bytes`
/// without a complete head (431; 414 if the request-target runs past that
/// limit), or the request-target is longer than `limits.max_uri_bytes`
/// (414, as soon as that is known).
pub fn parse_request<'b>(
    buf: &'b [u8],
    headers: &mut [Header<'b>],
    limits: &Limits,
) -> Result<Status<RequestHead<'b>>, ParseError> {
    let window = buf.get(..limits.max_head_bytes).unwrap_or(buf);
    let window_is_cut = buf.len() > limits.max_head_bytes;
    match parse_request_in(window, window_is_cut, headers, limits.max_uri_bytes)? {
        Some(head) => Ok(Status::Complete(head)),
        None if buf.len() > limits.max_head_bytes => Err(ParseError::HeadTooLarge),
        None => Ok(Status::Partial),
    }
}

/// Parses a response head (status line and headers) from the start of `buf`.
///
/// Same contract as [`parse_request`]; a buffer holding more than
/// `max_head_bytes` without a complete head is [`ParseError::HeadTooLarge`].
pub fn parse_response<'b>(
    buf: &'b [u8],
    headers: &mut [Header<'b>],
    max_head_bytes: usize,
) -> Result<Status<ResponseHead<'b>>, ParseError> {
    let window = buf.get(..max_head_bytes).unwrap_or(buf);
    match parse_response_in(window, headers)? {
        Some(head) => Ok(Status::Complete(head)),
        None if buf.len() > max_head_bytes => Err(ParseError::HeadTooLarge),
        None => Ok(Status::Partial),
    }
}

/// The bytes of `buf` from `pos` on (empty when `pos` is past the end).
#[inline]
fn rest(buf: &[u8], pos: usize) -> &[u8] {
    buf.get(pos..).unwrap_or(&[])
}

/// Borrows ASCII bytes as `str`; `err` if they are not UTF-8 (which the
/// byte-class checks before every call already rule out).
#[inline]
fn ascii_str(bytes: &[u8], err: ParseError) -> Result<&str, ParseError> {
    std::str::from_utf8(bytes).map_err(|_| err)
}

/// Parses the request head in `buf`; `buf_is_cut` says that the bytes go on
/// past its end (it is the head-limit window of a longer buffer).
fn parse_request_in<'b>(
    buf: &'b [u8],
    buf_is_cut: bool,
    headers: &mut [Header<'b>],
    max_uri_bytes: usize,
) -> Result<Option<RequestHead<'b>>, ParseError> {
    // RFC 9112 §2.2: "a server that is expecting to receive and parse a
    // request-line SHOULD ignore at least one empty line (CRLF) received
    // prior to the request-line". Bounded by the head window.
    let mut pos = 0;
    loop {
        match buf.get(pos) {
            None => return Ok(None),
            Some(b'\r') => match buf.get(pos + 1) {
                None => return Ok(None),
                Some(b'\n') => pos += 2,
                Some(_) => return Err(ParseError::BadLineEnding),
            },
            Some(b'\n') => return Err(ParseError::BareLf),
            Some(_) => break,
        }
    }

    // method = token, then exactly one SP.
    let line = rest(buf, pos);
    let method_len = need!(line.iter().position(|&b| !is_token(b)));
    match line.get(method_len) {
        Some(b' ') if method_len > 0 => {}
        Some(b'\r' | b'\n') | Some(b' ') => return Err(ParseError::BadRequestLine),
        _ if method_len == 0 => return Err(ParseError::BadRequestLine),
        _ => return Err(ParseError::BadMethod),
    }
    let method = ascii_str(line.get(..method_len).unwrap_or(&[]), ParseError::BadMethod)?;
    pos += method_len + 1;

    // request-target: visible ASCII up to the next SP, at most max_uri_bytes.
    let line = rest(buf, pos);
    let scan = line.get(..max_uri_bytes.saturating_add(1)).unwrap_or(line);
    let target_len = match find_non_target(scan) {
        Some(n) => n,
        None if scan.len() > max_uri_bytes => return Err(ParseError::UriTooLong),
        // The target runs past the head limit: the request line cannot fit.
        None if buf_is_cut && scan.len() == line.len() => return Err(ParseError::UriTooLong),
        None => return Ok(None),
    };
    match line.get(target_len) {
        Some(b' ') if target_len > 0 => {}
        Some(b' ') => return Err(ParseError::BadRequestLine),
        // `GET /\r\n`: an HTTP/0.9 request, which has no version and no headers.
        Some(b'\r' | b'\n') => return Err(ParseError::MissingVersion),
        _ => return Err(ParseError::BadTarget),
    }
    let target = ascii_str(line.get(..target_len).unwrap_or(&[]), ParseError::BadTarget)?;
    pos += target_len + 1;

    let version = need!(parse_version(rest(buf, pos), ParseError::BadVersion)?);
    pos += VERSION_LEN;
    pos = need!(expect_crlf(buf, pos, ParseError::BadRequestLine)?);

    let (header_count, head_len) = need!(parse_headers(buf, pos, headers)?);
    Ok(Some(RequestHead {
        method,
        target,
        version,
        header_count,
        head_len,
    }))
}

fn parse_response_in<'b>(
    buf: &'b [u8],
    headers: &mut [Header<'b>],
) -> Result<Option<ResponseHead<'b>>, ParseError> {
    let version = need!(parse_version(buf, ParseError::BadStatusLine)?);
    let mut pos = VERSION_LEN;
    match buf.get(pos) {
        None => return Ok(None),
        Some(b' ') => pos += 1,
        Some(_) => return Err(ParseError::BadStatusLine),
    }
    // status-code = 3DIGIT
    let mut status: u16 = 0;
    for i in 0..3 {
        let d = need!(buf.get(pos + i));
        if !d.is_ascii_digit() {
            return Err(ParseError::BadStatusLine);
        }
        status = status * 10 + u16::from(d - b'0');
    }
    if status < 100 {
        return Err(ParseError::BadStatusLine);
    }
    pos += 3;
    // SP reason-phrase; we also accept a missing SP before CRLF
    // (`HTTP/1.1 200\r\n`), which servers send and which loses nothing.
    let reason = match need!(buf.get(pos)) {
        b' ' => {
            pos += 1;
            let line = rest(buf, pos);
            let len = need!(line.iter().position(|&b| !is_value(b)));
            let bytes = line.get(..len).unwrap_or(&[]);
            pos += len;
            std::str::from_utf8(bytes).unwrap_or("")
        }
        b'\r' | b'\n' => "",
        _ => return Err(ParseError::BadStatusLine),
    };
    pos = need!(expect_crlf(buf, pos, ParseError::BadStatusLine)?);
    let (header_count, head_len) = need!(parse_headers(buf, pos, headers)?);
    Ok(Some(ResponseHead {
        version,
        status,
        reason,
        header_count,
        head_len,
    }))
}

/// Length of `HTTP/x.y`.
const VERSION_LEN: usize = 8;

/// `HTTP-version = "HTTP/" DIGIT "." DIGIT` at the start of `bytes`.
///
/// Each available byte is checked against the pattern, so a wrong prefix is
/// an error (`malformed`) before all eight bytes have arrived. A well-formed
/// version other than 1.0 / 1.1 is [`ParseError::UnsupportedVersion`] (505),
/// and so is the bare-major spelling RFC 9110 §2.5 uses for the later
/// versions (`HTTP/2`, `HTTP/3`) when it ends the line or the field: those
/// clients speak a protocol we do not, they did not send a malformed 1.x.
/// `HTTP/1` without its minor digit, `HTTP/1.10` and `http/1.1` stay
/// malformed (400).
fn parse_version(bytes: &[u8], malformed: ParseError) -> Result<Option<Version>, ParseError> {
    for (i, &b) in bytes.iter().take(VERSION_LEN).enumerate() {
        let fits = match i {
            0..=4 => b"HTTP/".get(i) == Some(&b),
            5 | 7 => b.is_ascii_digit(),
            _ => b == b'.',
        };
        if !fits {
            let bare_later_major = i == 6
                && matches!(b, b'\r' | b' ')
                && bytes.get(5).is_some_and(|&major| major != b'1');
            return Err(if bare_later_major {
                ParseError::UnsupportedVersion
            } else {
                malformed
            });
        }
    }
    match bytes.get(..VERSION_LEN) {
        None => Ok(None),
        Some(b"HTTP/1.1") => Ok(Some(Version::Http11)),
        Some(b"HTTP/1.0") => Ok(Some(Version::Http10)),
        Some(_) => Err(ParseError::UnsupportedVersion),
    }
}

/// Expects CRLF at `pos`; returns the position after it. A bare LF is
/// [`ParseError::BareLf`], a CR without LF [`ParseError::BadLineEnding`],
/// anything else `other`.
fn expect_crlf(buf: &[u8], pos: usize, other: ParseError) -> Result<Option<usize>, ParseError> {
    match need!(buf.get(pos)) {
        b'\r' => match need!(buf.get(pos + 1)) {
            b'\n' => Ok(Some(pos + 2)),
            _ => Err(ParseError::BadLineEnding),
        },
        b'\n' => Err(ParseError::BareLf),
        _ => Err(other),
    }
}

/// Parses `*( field-line CRLF ) CRLF` starting at `pos`; returns the number
/// of headers stored and the position after the blank line.
fn parse_headers<'b>(
    buf: &'b [u8],
    mut pos: usize,
    headers: &mut [Header<'b>],
) -> Result<Option<(usize, usize)>, ParseError> {
    let mut count = 0;
    loop {
        match need!(buf.get(pos)) {
            b'\r' => {
                return match need!(buf.get(pos + 1)) {
                    b'\n' => Ok(Some((count, pos + 2))),
                    _ => Err(ParseError::BadLineEnding),
                }
            }
            b'\n' => return Err(ParseError::BareLf),
            // A line starting with whitespace continues the previous one
            // (obs-fold, RFC 9112 §5.2) or, right after the start line, is an
            // attempt to smuggle a field past some parsers (§2.2). Refuse both.
            b' ' | b'\t' => return Err(ParseError::ObsFold),
            _ => {}
        }

        // field-name ":"
        let line = rest(buf, pos);
        let name_len = need!(line.iter().position(|&b| !is_token(b)));
        match line.get(name_len) {
            Some(b':') if name_len > 0 => {}
            Some(b' ' | b'\t') if name_len > 0 => return Err(ParseError::WhitespaceBeforeColon),
            _ => return Err(ParseError::BadHeaderName),
        }
        let name = ascii_str(
            line.get(..name_len).unwrap_or(&[]),
            ParseError::BadHeaderName,
        )?;

        // OWS field-value OWS CRLF
        let after_colon = rest(line, name_len + 1);
        let lead = need!(after_colon.iter().position(|&b| !is_ows(b)));
        let value_and_rest = rest(after_colon, lead);
        let value_len = need!(find_non_value(value_and_rest));
        match value_and_rest.get(value_len) {
            Some(b'\r') => match need!(value_and_rest.get(value_len + 1)) {
                b'\n' => {}
                _ => return Err(ParseError::BadLineEnding),
            },
            Some(b'\n') => return Err(ParseError::BareLf),
            _ => return Err(ParseError::BadHeaderValue),
        }
        let value = trim_ows(value_and_rest.get(..value_len).unwrap_or(&[]));

        let slot = headers.get_mut(count).ok_or(ParseError::TooManyHeaders)?;
        *slot = Header { name, value };
        count += 1;
        pos += name_len + 1 + lead + value_len + 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::limits::MAX_HEADERS;

    /// Parses `buf` as a request with default limits and a full header slice.
    type Owned = Vec<(String, Vec<u8>)>;

    fn req(buf: &[u8]) -> Result<Status<(RequestHead<'_>, Owned)>, ParseError> {
        let mut headers = [EMPTY_HEADER; MAX_HEADERS];
        Ok(
            match parse_request(buf, &mut headers, &Limits::default())? {
                Status::Complete(head) => {
                    Status::Complete((head, owned(&headers[..head.header_count])))
                }
                Status::Partial => Status::Partial,
            },
        )
    }

    fn owned(headers: &[Header]) -> Vec<(String, Vec<u8>)> {
        headers
            .iter()
            .map(|h| (h.name.to_string(), h.value.to_vec()))
            .collect()
    }

    /// Table of requests that must be refused: `input => ParseError, status`.
    macro_rules! req_err {
        ($($name:ident: $buf:expr => $err:ident, $status:expr;)*) => {$(
            #[test]
            fn $name() {
                let got = req($buf);
                assert_eq!(got.map(|_| ()), Err(ParseError::$err), "{:?}", String::from_utf8_lossy($buf));
                assert_eq!(ParseError::$err.status(), $status);
            }
        )*};
    }

    /// Table of requests that must parse: method, target, version, headers.
    macro_rules! req_ok {
        ($($name:ident: $buf:expr => $method:expr, $target:expr, $version:ident, [$(($h:expr, $v:expr)),*];)*) => {$(
            #[test]
            fn $name() {
                let buf: &[u8] = $buf;
                let Ok(Status::Complete((head, headers))) = req(buf) else {
                    panic!("not complete: {:?}", req(buf));
                };
                assert_eq!(head.method, $method);
                assert_eq!(head.target, $target);
                assert_eq!(head.version, Version::$version);
                assert_eq!(head.head_len, buf.len());
                let expected: Vec<(String, Vec<u8>)> =
                    vec![$(($h.to_string(), $v.as_bytes().to_vec())),*];
                assert_eq!(headers, expected);
            }
        )*};
    }

    req_ok! {
        simple_get: b"GET / HTTP/1.1\r\nHost: a\r\n\r\n" => "GET", "/", Http11, [("Host", "a")];
        http10_no_headers: b"GET /x?y=1 HTTP/1.0\r\n\r\n" => "GET", "/x?y=1", Http10, [];
        ows_trimmed: b"POST /p HTTP/1.1\r\nX-A: \t v a l \t\r\nX-B:\r\nX-C:   \r\n\r\n"
            => "POST", "/p", Http11, [("X-A", "v a l"), ("X-B", ""), ("X-C", "")];
        leading_empty_lines: b"\r\n\r\nGET / HTTP/1.1\r\n\r\n" => "GET", "/", Http11, [];
        absolute_form: b"GET http://a.example/x HTTP/1.1\r\nHost: a.example\r\n\r\n"
            => "GET", "http://a.example/x", Http11, [("Host", "a.example")];
        asterisk_form: b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n" => "OPTIONS", "*", Http11, [("Host", "a")];
        token_method: b"M-SEARCH! / HTTP/1.1\r\n\r\n" => "M-SEARCH!", "/", Http11, [];
        obs_text_value: b"GET / HTTP/1.1\r\nX: caf\xc3\xa9\r\n\r\n" => "GET", "/", Http11, [("X", "caf\u{e9}")];
        colon_in_value: b"GET / HTTP/1.1\r\nHost: a:80\r\nX: a:b\r\n\r\n"
            => "GET", "/", Http11, [("Host", "a:80"), ("X", "a:b")];
    }

    #[test]
    fn obs_text_value_is_raw_bytes() {
        // The macro above compares UTF-8 strings; check the raw 0x80 byte too.
        let buf = b"GET / HTTP/1.1\r\nX: \x80\xff\r\n\r\n";
        let mut headers = [EMPTY_HEADER; 4];
        let Ok(Status::Complete(head)) = parse_request(buf, &mut headers, &Limits::default())
        else {
            panic!()
        };
        assert_eq!(headers[..head.header_count][0].value, b"\x80\xff");
    }

    req_err! {
        http09: b"GET /\r\n\r\n" => MissingVersion, 400;
        http09_bare_lf: b"GET /\n" => MissingVersion, 400;
        http2_version: b"GET / HTTP/2.0\r\n\r\n" => UnsupportedVersion, 505;
        http12_version: b"GET / HTTP/1.2\r\n\r\n" => UnsupportedVersion, 505;
        http09_version: b"GET / HTTP/0.9\r\n\r\n" => UnsupportedVersion, 505;
        http2_bare_major: b"GET / HTTP/2\r\n\r\n" => UnsupportedVersion, 505;
        http3_bare_major: b"GET / HTTP/3\r\nHost: a\r\n\r\n" => UnsupportedVersion, 505;
        http3_bare_major_bare_lf: b"GET / HTTP/3\n\r\n" => BadVersion, 400;
        http_two_digit_major: b"GET / HTTP/20.0\r\n\r\n" => BadVersion, 400;
        lowercase_version: b"GET / http/1.1\r\n\r\n" => BadVersion, 400;
        short_version: b"GET / HTTP/1\r\n\r\n" => BadVersion, 400;
        long_version: b"GET / HTTP/1.10\r\n\r\n" => BadRequestLine, 400;
        double_space: b"GET  / HTTP/1.1\r\n\r\n" => BadRequestLine, 400;
        leading_space: b" GET / HTTP/1.1\r\n\r\n" => BadRequestLine, 400;
        space_in_target: b"GET /a b HTTP/1.1\r\n\r\n" => BadVersion, 400;
        trailing_space: b"GET / HTTP/1.1 \r\n\r\n" => BadRequestLine, 400;
        bad_method_char: b"G(T / HTTP/1.1\r\n\r\n" => BadMethod, 400;
        ctl_in_target: b"GET /\x01 HTTP/1.1\r\n\r\n" => BadTarget, 400;
        nonascii_target: b"GET /\xc3\xa9 HTTP/1.1\r\n\r\n" => BadTarget, 400;
        tab_in_target: b"GET /\t HTTP/1.1\r\n\r\n" => BadTarget, 400;
        bare_lf_request_line: b"GET / HTTP/1.1\nHost: a\r\n\r\n" => BareLf, 400;
        bare_lf_header: b"GET / HTTP/1.1\r\nHost: a\n\r\n" => BareLf, 400;
        bare_lf_end: b"GET / HTTP/1.1\r\nHost: a\r\n\n" => BareLf, 400;
        cr_without_lf: b"GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n" => BadLineEnding, 400;
        bare_lf_leading: b"\nGET / HTTP/1.1\r\n\r\n" => BareLf, 400;
        space_before_colon: b"GET / HTTP/1.1\r\nHost : a\r\n\r\n" => WhitespaceBeforeColon, 400;
        tab_before_colon: b"GET / HTTP/1.1\r\nHost\t: a\r\n\r\n" => WhitespaceBeforeColon, 400;
        obs_fold: b"GET / HTTP/1.1\r\nX: a\r\n  b\r\n\r\n" => ObsFold, 400;
        space_after_start_line: b"GET / HTTP/1.1\r\n Host: a\r\n\r\n" => ObsFold, 400;
        empty_name: b"GET / HTTP/1.1\r\n: a\r\n\r\n" => BadHeaderName, 400;
        no_colon: b"GET / HTTP/1.1\r\nHost\r\n\r\n" => BadHeaderName, 400;
        bad_name_char: b"GET / HTTP/1.1\r\nHo(st: a\r\n\r\n" => BadHeaderName, 400;
        nul_in_value: b"GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n" => BadHeaderValue, 400;
        ctl_in_value: b"GET / HTTP/1.1\r\nX: a\x1bb\r\n\r\n" => BadHeaderValue, 400;
        del_in_value: b"GET / HTTP/1.1\r\nX: a\x7fb\r\n\r\n" => BadHeaderValue, 400;
    }

    /// A browser-like head used by the prefix and pipelining tests.
    const TYPICAL: &[u8] = b"GET /api/v1/users/42?expand=true HTTP/1.1\r\n\
Host: api.example.com\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n\
Accept-Language: en-US,en;q=0.5\r\n\
Accept-Encoding: gzip, deflate, br\r\n\
Connection: keep-alive\r\n\
Cookie: session=abc123; theme=dark\r\n\
\r\n";

    #[test]
    fn every_prefix_is_partial() {
        let whole = req(TYPICAL);
        assert!(matches!(whole, Ok(Status::Complete(_))));
        for k in 0..TYPICAL.len() {
            assert_eq!(
                req(&TYPICAL[..k]),
                Ok(Status::Partial),
                "prefix of {k} bytes"
            );
        }
    }

    #[test]
    fn every_prefix_of_a_response_is_partial() {
        let buf = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n";
        let mut headers = [EMPTY_HEADER; 4];
        for k in 0..buf.len() {
            assert_eq!(
                parse_response(&buf[..k], &mut headers, 1024),
                Ok(Status::Partial),
                "{k}"
            );
        }
        assert!(parse_response(buf, &mut headers, 1024).is_ok_and(|s| s.is_complete()));
    }

    #[test]
    fn pipelined_requests_split_at_head_len() {
        let mut buf = TYPICAL.to_vec();
        buf.extend_from_slice(b"GET /second HTTP/1.1\r\nHost: b\r\n\r\nGET /third");
        let Ok(Status::Complete((first, _))) = req(&buf) else {
            panic!()
        };
        assert_eq!(first.head_len, TYPICAL.len());
        let Ok(Status::Complete((second, hs))) = req(&buf[first.head_len..]) else {
            panic!()
        };
        assert_eq!(second.target, "/second");
        assert_eq!(hs, vec![("Host".to_string(), b"b".to_vec())]);
        let after = first.head_len + second.head_len;
        assert_eq!(&buf[after..], b"GET /third");
        assert_eq!(req(&buf[after..]), Ok(Status::Partial));
    }

    #[test]
    fn head_limit_gives_431_even_while_partial() {
        let limits = Limits {
            max_head_bytes: 64,
            ..Limits::default()
        };
        let mut buf = b"GET / HTTP/1.1\r\nX: ".to_vec();
        buf.resize(64, b'a');
        assert_eq!(
            parse_request(&buf, &mut [EMPTY_HEADER; 8], &limits),
            Ok(Status::Partial)
        );
        buf.push(b'a');
        assert_eq!(
            parse_request(&buf, &mut [EMPTY_HEADER; 8], &limits),
            Err(ParseError::HeadTooLarge)
        );
        // A complete head one byte too long is refused too: the answer must
        // not depend on how the bytes were split into reads.
        let mut exact = b"GET / HTTP/1.1\r\nX: ".to_vec();
        exact.resize(61, b'a');
        exact.extend_from_slice(b"\r\n\r\n");
        assert_eq!(exact.len(), 65);
        assert_eq!(
            parse_request(&exact, &mut [EMPTY_HEADER; 8], &limits),
            Err(ParseError::HeadTooLarge)
        );
        exact.remove(20);
        assert!(
            parse_request(&exact, &mut [EMPTY_HEADER; 8], &limits).is_ok_and(|s| s.is_complete())
        );
    }

    #[test]
    fn uri_limit_gives_414_as_soon_as_known() {
        let limits = Limits {
            max_uri_bytes: 10,
            ..Limits::default()
        };
        let mut headers = [EMPTY_HEADER; 8];
        let ok = b"GET /123456789 HTTP/1.1\r\n\r\n";
        assert!(parse_request(ok, &mut headers, &limits).is_ok_and(|s| s.is_complete()));
        // eleven target bytes, no end in sight yet: already 414
        assert_eq!(
            parse_request(b"GET /1234567890", &mut headers, &limits),
            Err(ParseError::UriTooLong)
        );
        assert_eq!(
            parse_request(b"GET /123456789", &mut headers, &limits),
            Ok(Status::Partial)
        );
    }

    #[test]
    fn request_line_past_the_head_limit_is_414() {
        // The target is within its own limit, but the request line around it
        // does not fit in the head: it is the target that is too long.
        let limits = Limits {
            max_head_bytes: 32,
            max_uri_bytes: 1000,
            ..Limits::default()
        };
        let mut line = b"GET /".to_vec();
        line.resize(32, b'a');
        assert_eq!(
            parse_request(&line, &mut [EMPTY_HEADER; 8], &limits),
            Ok(Status::Partial)
        );
        line.push(b'a');
        assert_eq!(
            parse_request(&line, &mut [EMPTY_HEADER; 8], &limits),
            Err(ParseError::UriTooLong)
        );
        line.extend_from_slice(b" HTTP/1.1\r\nHost: a\r\n\r\n");
        assert_eq!(
            parse_request(&line, &mut [EMPTY_HEADER; 8], &limits),
            Err(ParseError::UriTooLong)
        );
        // A request line that fits, with fields that do not: 431.
        let mut head = b"GET / HTTP/1.1\r\nX: ".to_vec();
        head.resize(40, b'a');
        assert_eq!(
            parse_request(&head, &mut [EMPTY_HEADER; 8], &limits),
            Err(ParseError::HeadTooLarge)
        );
        // So is a method that alone fills the head.
        assert_eq!(
            parse_request(&[b'G'; 40], &mut [EMPTY_HEADER; 8], &limits),
            Err(ParseError::HeadTooLarge)
        );
    }

    #[test]
    fn too_many_headers_gives_431() {
        let mut headers = [EMPTY_HEADER; 2];
        let buf = b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n";
        assert!(parse_request(buf, &mut headers, &Limits::default()).is_ok_and(|s| s.is_complete()));
        let buf = b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
        let got = parse_request(buf, &mut headers, &Limits::default());
        assert_eq!(got, Err(ParseError::TooManyHeaders));
        assert_eq!(ParseError::TooManyHeaders.status(), 431);
    }

    #[test]
    fn errors_are_reported_before_the_head_completes() {
        assert_eq!(req(b"GET / HTTP/3x"), Err(ParseError::BadVersion));
        assert_eq!(req(b"GET / HTTP/2.0"), Err(ParseError::UnsupportedVersion));
        assert_eq!(req(b"GET / HTTP/3\r"), Err(ParseError::UnsupportedVersion));
        assert_eq!(req(b"GET / HTTP/3"), Ok(Status::Partial));
        assert_eq!(
            req(b"GET / HTTP/1.1\r\nBad Name"),
            Err(ParseError::WhitespaceBeforeColon)
        );
    }

    /// Table of responses: input => Ok((version, status, reason, header count)) or Err.
    #[test]
    fn responses() {
        type Want = Result<(Version, u16, &'static str, usize), ParseError>;
        let cases: &[(&[u8], Want)] = &[
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                Ok((Version::Http11, 200, "OK", 1)),
            ),
            (
                b"HTTP/1.0 404 Not Found\r\n\r\n",
                Ok((Version::Http10, 404, "Not Found", 0)),
            ),
            (b"HTTP/1.1 204 \r\n\r\n", Ok((Version::Http11, 204, "", 0))),
            (b"HTTP/1.1 200\r\n\r\n", Ok((Version::Http11, 200, "", 0))),
            (
                b"HTTP/1.1 599 Whatever you like\r\n\r\n",
                Ok((Version::Http11, 599, "Whatever you like", 0)),
            ),
            (b"HTTP/1.1 20 OK\r\n\r\n", Err(ParseError::BadStatusLine)),
            (b"HTTP/1.1 2000 OK\r\n\r\n", Err(ParseError::BadStatusLine)),
            (b"HTTP/1.1 099 OK\r\n\r\n", Err(ParseError::BadStatusLine)),
            (b"HTTP/1.1  200 OK\r\n\r\n", Err(ParseError::BadStatusLine)),
            (
                b"HTTP/2.0 200 OK\r\n\r\n",
                Err(ParseError::UnsupportedVersion),
            ),
            (
                b"HTTP/2 200 OK\r\n\r\n",
                Err(ParseError::UnsupportedVersion),
            ),
            (b"ICY 200 OK\r\n\r\n", Err(ParseError::BadStatusLine)),
            (b"HTTP/1.1 200 OK\nX: y\r\n\r\n", Err(ParseError::BareLf)),
            (
                b"HTTP/1.1 200 OK\r\nX : y\r\n\r\n",
                Err(ParseError::WhitespaceBeforeColon),
            ),
            (
                b"HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n",
                Err(ParseError::ObsFold),
            ),
        ];
        for (buf, want) in cases {
            let mut headers = [EMPTY_HEADER; 8];
            let got = parse_response(buf, &mut headers, 1024).map(|s| match s {
                Status::Complete(h) => {
                    assert_eq!(h.head_len, buf.len());
                    (h.version, h.status, h.reason, h.header_count)
                }
                Status::Partial => panic!("partial: {:?}", String::from_utf8_lossy(buf)),
            });
            assert_eq!(&got, want, "{:?}", String::from_utf8_lossy(buf));
        }
    }

    #[test]
    fn response_head_limit() {
        let mut headers = [EMPTY_HEADER; 8];
        let buf = b"HTTP/1.1 200 OK\r\nX: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        assert_eq!(
            parse_response(buf, &mut headers, 20),
            Err(ParseError::HeadTooLarge)
        );
    }
}
