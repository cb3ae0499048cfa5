//! What can be wrong with an HTTP/1.1 message, one variant per fault.
//!
//! Every fault the parser, the framing rules or the body decoder can find has
//! its own variant, so logs and tests can tell them apart, and each maps to
//! the status code DESIGN.md §7-8 gives it:
//!
//! | status | faults |
//! |---|---|
//! | 400 | malformed syntax, ambiguous framing (request smuggling defences), bad chunks |
//! | 413 | body larger than the limit |
//! | 414 | request-target larger than the limit |
//! | 431 | head, header count or trailers larger than their limits |
//! | 501 | a transfer-coding we do not implement |
//! | 505 | an HTTP version other than 1.0 / 1.1 |
//!
//! The type is `Copy` and its text is `&'static str`: producing an error
//! allocates nothing, which matters when the input is an attack. After any
//! of these the connection is closed (DESIGN.md §8).

use std::fmt;

/// One distinct fault in a message head or body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    // -- start line --------------------------------------------------------
    /// The request line is not `METHOD SP target SP HTTP-version`.
    BadRequestLine,
    /// The method contains a byte that is not a `tchar`.
    BadMethod,
    /// The request-target contains a control, space or non-ASCII byte.
    BadTarget,
    /// The request line has no HTTP-version (HTTP/0.9 style `GET /`).
    MissingVersion,
    /// The HTTP-version is not `HTTP/DIGIT.DIGIT`.
    BadVersion,
    /// A well-formed HTTP-version other than 1.0 and 1.1 (505).
    UnsupportedVersion,
    /// The status line is not `HTTP-version SP 3DIGIT SP reason`.
    BadStatusLine,
    // -- lines and fields --------------------------------------------------
    /// A line ended with LF alone; HTTP/1.1 lines end with CRLF.
    BareLf,
    /// A CR that is not followed by LF.
    BadLineEnding,
    /// A header name that is empty or contains a non-`tchar` byte.
    BadHeaderName,
    /// Whitespace between a header name and its colon (RFC 9112 §5.1).
    WhitespaceBeforeColon,
    /// A line that starts with SP/HTAB: obsolete line folding (RFC 9112 §5.2).
    ObsFold,
    /// A header value containing NUL, CR, LF, DEL or another control byte.
    BadHeaderValue,
    // -- size limits -------------------------------------------------------
    /// The head is larger than the configured limit (431).
    HeadTooLarge,
    /// More header lines than the caller's slice can hold (431).
    TooManyHeaders,
    /// The request-target is longer than the configured limit (414).
    UriTooLong,
    /// The body is larger than the configured limit (413).
    BodyTooLarge,
    // -- framing -----------------------------------------------------------
    /// Both Content-Length and Transfer-Encoding are present.
    ContentLengthWithTransferEncoding,
    /// A Content-Length value that is empty or not all digits, or overflows.
    BadContentLength,
    /// Several Content-Length values that differ.
    ConflictingContentLength,
    /// Transfer-Encoding whose final coding is not `chunked`, or an empty one.
    ChunkedNotLast,
    /// `chunked` applied more than once.
    ChunkedTwice,
    /// A transfer-coding other than `chunked` (501).
    UnknownTransferCoding,
    /// Transfer-Encoding on an HTTP/1.0 message.
    TransferEncodingOnHttp10,
    /// An HTTP/1.1 request without a Host header.
    MissingHost,
    /// More than one Host header line.
    MultipleHost,
    /// A Host value that is not `uri-host [ ":" port ]`.
    BadHost,
    // -- chunked body ------------------------------------------------------
    /// A chunk-size that is missing or not hexadecimal.
    BadChunkSize,
    /// A chunk-size with more hex digits than a `u64` holds.
    ChunkSizeOverflow,
    /// A chunk extension with a control byte in it.
    BadChunkExtension,
    /// Chunk extensions longer, in sum, than the limit.
    ChunkExtensionTooLong,
    /// Chunk data not followed by CRLF.
    BadChunkTerminator,
    /// A malformed trailer field line.
    BadTrailer,
    /// The trailer section is larger than the limit (431).
    TrailerTooLarge,
    /// The stream ended before the body was complete.
    UnexpectedEof,
}

impl ParseError {
    /// The status code to answer a client with for this fault.
    pub fn status(self) -> u16 {
        use ParseError::*;
        match self {
            HeadTooLarge | TooManyHeaders | TrailerTooLarge => 431,
            UriTooLong => 414,
            BodyTooLarge => 413,
            UnknownTransferCoding => 501,
            UnsupportedVersion => 505,
            BadRequestLine
            | BadMethod
            | BadTarget
            | MissingVersion
            | BadVersion
            | BadStatusLine
            | BareLf
            | BadLineEnding
            | BadHeaderName
            | WhitespaceBeforeColon
            | ObsFold
            | BadHeaderValue
            | ContentLengthWithTransferEncoding
            | BadContentLength
            | ConflictingContentLength
            | ChunkedNotLast
            | ChunkedTwice
            | TransferEncodingOnHttp10
            | MissingHost
            | MultipleHost
            | BadHost
            | BadChunkSize
            | ChunkSizeOverflow
            | BadChunkExtension
            | ChunkExtensionTooLong
            | BadChunkTerminator
            | BadTrailer
            | UnexpectedEof => 400,
        }
    }

    /// A short human description, suitable for the JSON error `message`.
    pub fn message(self) -> &'static str {
        use ParseError::*;
        match self {
            BadRequestLine => "malformed request line",
            BadMethod => "invalid character in method",
            BadTarget => "invalid character in request-target",
            MissingVersion => "request line without HTTP version (HTTP/0.9 is not supported)",
            BadVersion => "malformed HTTP version",
            UnsupportedVersion => "HTTP version not supported",
            BadStatusLine => "malformed status line",
            BareLf => "line ended with LF instead of CRLF",
            BadLineEnding => "CR not followed by LF",
            BadHeaderName => "invalid header name",
            WhitespaceBeforeColon => "whitespace between header name and colon",
            ObsFold => "obsolete line folding in header",
            BadHeaderValue => "invalid character in header value",
            HeadTooLarge => "request header section too large",
            TooManyHeaders => "too many header fields",
            UriTooLong => "request-target too long",
            BodyTooLarge => "body too large",
            ContentLengthWithTransferEncoding => "both Content-Length and Transfer-Encoding",
            BadContentLength => "invalid Content-Length",
            ConflictingContentLength => "conflicting Content-Length values",
            ChunkedNotLast => "Transfer-Encoding does not end with chunked",
            ChunkedTwice => "chunked transfer-coding applied more than once",
            UnknownTransferCoding => "unsupported transfer-coding",
            TransferEncodingOnHttp10 => "Transfer-Encoding in an HTTP/1.0 message",
            MissingHost => "HTTP/1.1 request without Host",
            MultipleHost => "more than one Host header",
            BadHost => "invalid Host header",
            BadChunkSize => "invalid chunk size",
            ChunkSizeOverflow => "chunk size too large",
            BadChunkExtension => "invalid chunk extension",
            ChunkExtensionTooLong => "chunk extensions too long",
            BadChunkTerminator => "chunk data not followed by CRLF",
            BadTrailer => "invalid trailer field",
            TrailerTooLarge => "trailer section too large",
            UnexpectedEof => "connection closed before the body was complete",
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for ParseError {}

#[cfg(test)]
mod tests {
    use super::ParseError::*;

    #[test]
    fn statuses_follow_design_section_7() {
        assert_eq!(HeadTooLarge.status(), 431);
        assert_eq!(TooManyHeaders.status(), 431);
        assert_eq!(UriTooLong.status(), 414);
        assert_eq!(BodyTooLarge.status(), 413);
        assert_eq!(UnknownTransferCoding.status(), 501);
        assert_eq!(UnsupportedVersion.status(), 505);
        assert_eq!(ContentLengthWithTransferEncoding.status(), 400);
        assert_eq!(
            ContentLengthWithTransferEncoding.to_string(),
            "both Content-Length and Transfer-Encoding"
        );
    }
}
