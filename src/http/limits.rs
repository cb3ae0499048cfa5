//! Every protocol limit in one place.
//!
//! A gateway reads bytes chosen by strangers, so each thing that can grow —
//! the head, the request-target, the number of header lines, a chunk-size,
//! chunk extensions, trailers, the body — has a named ceiling here, and
//! crossing it has its own [`ParseError`](super::ParseError) variant with its
//! own status code (431 / 414 / 413 / 400). The three limits an operator may
//! tune (`limits header= body= uri=` in the config) travel in [`Limits`]; the
//! rest are fixed because no honest peer comes near them.

/// Default ceiling on the request head, in bytes: the request line, all
/// header lines and the blank line. Crossing it answers 431.
pub const DEFAULT_MAX_HEAD_BYTES: usize = 16 * 1024;

/// Default ceiling on the request-target, in bytes. Crossing it answers 414.
pub const DEFAULT_MAX_URI_BYTES: usize = 8 * 1024;

/// Default ceiling on a decoded request body, in bytes. Crossing it answers 413.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 10 * 1024 * 1024;

/// Number of header lines a head may carry; the recommended length of the
/// caller's header slice. More lines than the slice holds answers 431.
pub const MAX_HEADERS: usize = 100;

/// Hex digits in one chunk-size. Sixteen hex digits are exactly a `u64`, so
/// a longer size (even with leading zeros) is refused as an overflow (400).
pub const MAX_CHUNK_SIZE_DIGITS: usize = 16;

/// Bytes of chunk extensions (`;name=value` after a chunk-size) accepted over
/// a whole body, in bytes. They are skipped, but a stream of tiny chunks with
/// long extensions would otherwise cost CPU for no body, so their sum is
/// capped (hyper's `CHUNKED_EXTENSIONS_LIMIT` has the same purpose). 400.
pub const MAX_CHUNK_EXTENSION_BYTES: u64 = 16 * 1024;

/// Bytes of trailer section after the last chunk, in bytes. Trailers are
/// checked and discarded; this bounds the work. Crossing it answers 431.
pub const MAX_TRAILER_BYTES: usize = 16 * 1024;

/// The tunable limits, carried from the config to the parser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Ceiling on the head in bytes (431).
    pub max_head_bytes: usize,
    /// Ceiling on the request-target in bytes (414).
    pub max_uri_bytes: usize,
    /// Ceiling on the decoded body in bytes (413).
    pub max_body_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_head_bytes: DEFAULT_MAX_HEAD_BYTES,
            max_uri_bytes: DEFAULT_MAX_URI_BYTES,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}
