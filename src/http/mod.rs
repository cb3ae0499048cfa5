//! The HTTP/1.1 protocol engine: bytes in, meaning out, no I/O.
//!
//! Nothing in this module touches a socket. Parsers take `&[u8]` and say one
//! of three things (STYLE.md §1.1): *complete* (here is the value and how many
//! bytes it used), *partial* (give me more bytes) or *error* (this is not
//! HTTP, close the connection). Writers append to a `Vec<u8>`. The server and
//! the upstream client own the sockets and the buffers; this module owns the
//! rules of RFC 9110 (semantics) and RFC 9112 (HTTP/1.1 message syntax).
//!
//! A request's way through it:
//!
//! 1. [`parse_request`] reads the head out of the read buffer, borrowing the
//!    method, target and header values from it (zero copies), and enforces
//!    the head / URI / header-count limits of [`Limits`].
//! 2. [`request_framing`] applies the framing rules of RFC 9112 §6 that defend
//!    against request smuggling (CL + TE, differing CLs, TE not ending in
//!    chunked, TE on 1.0, Host rules) and decides the [`BodyKind`].
//! 3. A [`BodyDecoder`] streams the body: `Content-Length` bytes, or chunked
//!    data with extensions and trailers stripped, within the body limit.
//! 4. [`write_request_head`] / [`write_response_head`] and [`encode_chunk`]
//!    serialise what goes out; [`headers`] answers questions about header
//!    lists (lookup, `Connection` tokens, hop-by-hop fields).
//!
//! ```
//! use gatelite::http::{self, BodyDecoder, Limits, Status, EMPTY_HEADER, MAX_HEADERS};
//!
//! let buf = b"POST /orders HTTP/1.1\r\nHost: api.example.com\r\n\
//!             Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
//! let limits = Limits::default();
//! let mut headers = [EMPTY_HEADER; MAX_HEADERS];
//! let Ok(Status::Complete(head)) = http::parse_request(buf, &mut headers, &limits) else {
//!     panic!("a complete, valid head");
//! };
//! let headers = &headers[..head.header_count];
//! assert_eq!((head.method, head.target), ("POST", "/orders"));
//!
//! let framing = http::request_framing(head.version, headers, &limits).unwrap();
//! let mut decoder = BodyDecoder::new(framing.body, limits.max_body_bytes);
//! let mut body = Vec::new();
//! let progress = decoder.decode(&buf[head.head_len..], &mut body).unwrap();
//! assert!(progress.done);
//! assert_eq!(body, b"hello");
//! ```
//!
//! Every limit is a named constant in [`limits`], every fault a variant of
//! [`ParseError`] that knows its status code. No function here panics on
//! any input: hostile bytes are the normal case.

pub mod body;
pub mod chars;
pub mod chunked;
pub mod date;
pub mod error;
pub mod framing;
pub mod headers;
pub mod limits;
pub mod parse;
pub mod uri;
pub mod write;

pub use body::{BodyDecoder, Progress};
pub use chunked::{encode_chunk, LAST_CHUNK};
pub use date::{format_http_date, parse_http_date};
pub use error::ParseError;
pub use framing::{
    request_framing, response_body_kind, response_keep_alive, status_has_no_body, BodyKind,
    RequestFraming,
};
pub use limits::{
    Limits, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_HEAD_BYTES, DEFAULT_MAX_URI_BYTES,
    MAX_CHUNK_EXTENSION_BYTES, MAX_CHUNK_SIZE_DIGITS, MAX_HEADERS, MAX_TRAILER_BYTES,
};
pub use parse::{
    parse_request, parse_response, Header, RequestHead, ResponseHead, Status, EMPTY_HEADER,
};
pub use write::{write_request_head, write_response_head};

/// The HTTP versions GateLite speaks. Anything else is refused with 505.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    /// `HTTP/1.0`: one request per connection unless `Connection: keep-alive`.
    Http10,
    /// `HTTP/1.1`: persistent connections by default, `Host` required.
    Http11,
}

impl Version {
    /// The version as it appears on the wire, e.g. `"HTTP/1.1"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        }
    }
}

/// The canonical reason phrase for `status` (RFC 9110 §15), or `""` when
/// the code is not one we know. The phrase is informational only: a client
/// must not depend on it.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_and_reason() {
        assert_eq!(Version::Http10.as_str(), "HTTP/1.0");
        assert_eq!(Version::Http11.as_str(), "HTTP/1.1");
        assert_eq!(reason_phrase(404), "Not Found");
        assert_eq!(reason_phrase(431), "Request Header Fields Too Large");
        assert_eq!(reason_phrase(799), "");
    }
}
