//! A sans-IO, streaming body decoder.
//!
//! The connection code reads bytes from a socket and hands them to
//! [`BodyDecoder::decode`], which takes what belongs to the body and says how
//! much it took. The decoder never reads past the end of the body, so bytes
//! that follow it — a pipelined request, the next response on a pooled
//! connection — stay in the caller's buffer. It keeps all its position in
//! its own fields, so input may arrive split at any byte: one byte at a time
//! gives the same output as all at once.
//!
//! The three framings of RFC 9112 §6.3:
//!
//! - `Length(n)`: exactly `n` bytes, copied through.
//! - `Chunked`: the grammar of [`super::chunked`], walked by
//!   [`ChunkedState`]; chunk-data is copied out, sizes, extensions (bounded
//!   by [`MAX_CHUNK_EXTENSION_BYTES`]) and trailers (bounded by
//!   [`MAX_TRAILER_BYTES`], checked, then discarded) are not.
//! - `UntilClose` (responses only): everything until EOF, which
//!   [`BodyDecoder::finish_at_eof`] reports.
//!
//! Whatever the framing, the decoded total is held to `max_body_bytes`
//! (413); a chunk that would cross it is refused when its size line is read,
//! before any of its data. After an error the decoder stays failed.

use super::chars::{is_ows, is_token, is_value};
use super::chunked::ChunkedState;
use super::error::ParseError;
use super::framing::BodyKind;
use super::limits::{MAX_CHUNK_EXTENSION_BYTES, MAX_CHUNK_SIZE_DIGITS, MAX_TRAILER_BYTES};
use crate::util::bytes::hex_digit_value;

/// What one call to [`BodyDecoder::decode`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Bytes of the input that belonged to the body (framing included).
    pub consumed: usize,
    /// The body is complete; bytes after `consumed` are not part of it.
    pub done: bool,
}

/// The decoder's state: which framing, and where in it.
#[derive(Clone, Copy, Debug)]
enum Mode {
    /// A known number of bytes is left.
    Length { remaining: u64 },
    /// Chunked, at `state`; `size` digits read so far / data bytes left.
    Chunked {
        state: ChunkedState,
        size: u64,
        digits: usize,
    },
    /// Everything until the peer closes.
    UntilClose,
    /// Complete.
    Done,
    /// Failed with this error; every later call repeats it.
    Failed(ParseError),
}

/// Decodes one message body from a stream of byte slices.
#[derive(Clone, Debug)]
pub struct BodyDecoder {
    mode: Mode,
    max_body_bytes: u64,
    decoded: u64,
    extension_bytes: u64,
    trailer_bytes: usize,
}

impl BodyDecoder {
    /// A decoder for a body framed as `kind`, refusing more than
    /// `max_body_bytes` of decoded data.
    pub fn new(kind: BodyKind, max_body_bytes: u64) -> Self {
        let mode = match kind {
            BodyKind::None | BodyKind::Length(0) => Mode::Done,
            BodyKind::Length(n) if n > max_body_bytes => Mode::Failed(ParseError::BodyTooLarge),
            BodyKind::Length(n) => Mode::Length { remaining: n },
            BodyKind::Chunked => Mode::Chunked {
                state: ChunkedState::SizeStart,
                size: 0,
                digits: 0,
            },
            BodyKind::UntilClose => Mode::UntilClose,
        };
        BodyDecoder {
            mode,
            max_body_bytes,
            decoded: 0,
            extension_bytes: 0,
            trailer_bytes: 0,
        }
    }

    /// True once the whole body has been decoded.
    pub fn is_done(&self) -> bool {
        matches!(self.mode, Mode::Done)
    }

    /// Body bytes produced so far.
    pub fn decoded_total(&self) -> u64 {
        self.decoded
    }

    /// Consumes a prefix of `input`, appending decoded body bytes to `out`.
    ///
    /// `done` means the body is complete; bytes after it are not consumed.
    /// Errors: [`ParseError::BodyTooLarge`] when the decoded total would pass
    /// the limit, and the chunked-syntax errors (400). An error is sticky.
    pub fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<Progress, ParseError> {
        let result = self.decode_inner(input, out);
        if let Err(e) = result {
            self.mode = Mode::Failed(e);
        }
        result
    }

    /// Called when the stream has ended: `Ok` if the body is complete (an
    /// `UntilClose` body completes here), else [`ParseError::UnexpectedEof`].
    pub fn finish_at_eof(&mut self) -> Result<(), ParseError> {
        match self.mode {
            Mode::Done => Ok(()),
            Mode::UntilClose => {
                self.mode = Mode::Done;
                Ok(())
            }
            Mode::Failed(e) => Err(e),
            Mode::Length { .. } | Mode::Chunked { .. } => {
                self.mode = Mode::Failed(ParseError::UnexpectedEof);
                Err(ParseError::UnexpectedEof)
            }
        }
    }

    /// Adds `n` decoded bytes to the total, refusing to pass the limit.
    fn count(&mut self, n: u64) -> Result<(), ParseError> {
        match self.decoded.checked_add(n) {
            Some(total) if total <= self.max_body_bytes => {
                self.decoded = total;
                Ok(())
            }
            _ => Err(ParseError::BodyTooLarge),
        }
    }

    fn decode_inner(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<Progress, ParseError> {
        match self.mode {
            Mode::Failed(e) => Err(e),
            Mode::Done => Ok(Progress {
                consumed: 0,
                done: true,
            }),
            Mode::UntilClose => {
                self.count(input.len() as u64)?;
                out.extend_from_slice(input);
                Ok(Progress {
                    consumed: input.len(),
                    done: false,
                })
            }
            Mode::Length { remaining } => {
                let take = usize::try_from(remaining)
                    .unwrap_or(usize::MAX)
                    .min(input.len());
                let data = input.get(..take).unwrap_or(&[]);
                self.count(take as u64)?;
                out.extend_from_slice(data);
                let left = remaining - take as u64;
                self.mode = if left == 0 {
                    Mode::Done
                } else {
                    Mode::Length { remaining: left }
                };
                Ok(Progress {
                    consumed: take,
                    done: left == 0,
                })
            }
            Mode::Chunked {
                state,
                size,
                digits,
            } => self.decode_chunked(state, size, digits, input, out),
        }
    }

    /// Walks the chunked grammar over `input`, one state per byte except in
    /// `Data`, where whole runs of chunk-data are copied at once.
    fn decode_chunked(
        &mut self,
        mut state: ChunkedState,
        mut size: u64,
        mut digits: usize,
        input: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<Progress, ParseError> {
        use ChunkedState::*;
        let mut pos = 0;
        while state != Done {
            if state == Data {
                let avail = input.get(pos..).unwrap_or(&[]);
                let take = usize::try_from(size).unwrap_or(usize::MAX).min(avail.len());
                if take == 0 {
                    break;
                }
                self.count(take as u64)?;
                out.extend_from_slice(avail.get(..take).unwrap_or(&[]));
                pos += take;
                size -= take as u64;
                if size == 0 {
                    state = DataCr;
                }
                continue;
            }
            let Some(&b) = input.get(pos) else { break };
            pos += 1;
            state = match state {
                SizeStart | Size => match (hex_digit_value(b), b) {
                    (Some(v), _) => {
                        digits += 1;
                        if digits > MAX_CHUNK_SIZE_DIGITS {
                            return Err(ParseError::ChunkSizeOverflow);
                        }
                        size = size
                            .checked_mul(16)
                            .and_then(|s| s.checked_add(u64::from(v)))
                            .ok_or(ParseError::ChunkSizeOverflow)?;
                        Size
                    }
                    _ if state == SizeStart => return Err(ParseError::BadChunkSize),
                    (None, b' ' | b'\t') => SizeWs,
                    (None, b';') => Extension,
                    (None, b'\r') => SizeLf,
                    _ => return Err(ParseError::BadChunkSize),
                },
                SizeWs => match b {
                    b' ' | b'\t' => SizeWs,
                    b';' => Extension,
                    b'\r' => SizeLf,
                    _ => return Err(ParseError::BadChunkSize),
                },
                Extension => {
                    self.extension_bytes += 1;
                    if self.extension_bytes > MAX_CHUNK_EXTENSION_BYTES {
                        return Err(ParseError::ChunkExtensionTooLong);
                    }
                    match b {
                        b'\r' => SizeLf,
                        _ if is_value(b) => Extension,
                        _ => return Err(ParseError::BadChunkExtension),
                    }
                }
                SizeLf => match b {
                    b'\n' if size == 0 => TrailerStart,
                    b'\n' => {
                        // Refuse an oversized chunk before reading its data.
                        let total = self.decoded.checked_add(size);
                        if total.is_none_or(|t| t > self.max_body_bytes) {
                            return Err(ParseError::BodyTooLarge);
                        }
                        digits = 0;
                        Data
                    }
                    _ => return Err(ParseError::BadLineEnding),
                },
                Data => Data, // handled above
                DataCr => match b {
                    b'\r' => DataLf,
                    _ => return Err(ParseError::BadChunkTerminator),
                },
                DataLf => match b {
                    b'\n' => {
                        size = 0;
                        SizeStart
                    }
                    _ => return Err(ParseError::BadChunkTerminator),
                },
                TrailerStart => match b {
                    b'\r' => EndLf,
                    _ if is_token(b) => self.trailer_byte(TrailerName)?,
                    _ => return Err(ParseError::BadTrailer),
                },
                TrailerName => match b {
                    b':' => self.trailer_byte(TrailerValue)?,
                    _ if is_token(b) => self.trailer_byte(TrailerName)?,
                    _ => return Err(ParseError::BadTrailer),
                },
                TrailerValue => match b {
                    b'\r' => TrailerLf,
                    _ if is_value(b) || is_ows(b) => self.trailer_byte(TrailerValue)?,
                    _ => return Err(ParseError::BadTrailer),
                },
                TrailerLf | EndLf => match b {
                    b'\n' if state == EndLf => Done,
                    b'\n' => TrailerStart,
                    _ => return Err(ParseError::BadLineEnding),
                },
                Done => Done,
            };
        }
        let done = state == Done;
        self.mode = if done {
            Mode::Done
        } else {
            Mode::Chunked {
                state,
                size,
                digits,
            }
        };
        Ok(Progress {
            consumed: pos,
            done,
        })
    }

    /// Counts one trailer byte against [`MAX_TRAILER_BYTES`].
    fn trailer_byte(&mut self, next: ChunkedState) -> Result<ChunkedState, ParseError> {
        self.trailer_bytes += 1;
        if self.trailer_bytes > MAX_TRAILER_BYTES {
            return Err(ParseError::TrailerTooLarge);
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `input` in one call; returns (body, consumed, done).
    fn whole(kind: BodyKind, max: u64, input: &[u8]) -> Result<(Vec<u8>, usize, bool), ParseError> {
        let mut dec = BodyDecoder::new(kind, max);
        let mut out = Vec::new();
        let p = dec.decode(input, &mut out)?;
        Ok((out, p.consumed, p.done))
    }

    /// Decodes `input` one byte at a time, stopping when done.
    fn bytewise(
        kind: BodyKind,
        max: u64,
        input: &[u8],
    ) -> Result<(Vec<u8>, usize, bool), ParseError> {
        let mut dec = BodyDecoder::new(kind, max);
        let mut out = Vec::new();
        let mut consumed = 0;
        for b in input {
            if dec.is_done() {
                break;
            }
            consumed += dec.decode(std::slice::from_ref(b), &mut out)?.consumed;
        }
        Ok((out, consumed, dec.is_done()))
    }

    const BIG: u64 = 1 << 20;

    #[test]
    fn chunked_with_extensions_and_trailers() {
        let input: &[u8] = b"5;name=value;x\r\nhello\r\n7 ; q=\"a b\"\r\n, world\r\n0\r\nExpires: never\r\nX-Sum:\tabc \r\n\r\nNEXT";
        let expected = (b"hello, world".to_vec(), input.len() - 4, true);
        assert_eq!(whole(BodyKind::Chunked, BIG, input), Ok(expected.clone()));
        assert_eq!(bytewise(BodyKind::Chunked, BIG, input), Ok(expected));
    }

    #[test]
    fn every_split_point_gives_the_same_result() {
        let input: &[u8] = b"3\r\nabc\r\nA\r\n0123456789\r\n0;e\r\nT: v\r\n\r\n";
        for k in 0..=input.len() {
            let mut dec = BodyDecoder::new(BodyKind::Chunked, BIG);
            let mut out = Vec::new();
            let p1 = dec.decode(&input[..k], &mut out).unwrap();
            let p2 = dec.decode(&input[p1.consumed..], &mut out).unwrap();
            assert_eq!(p1.consumed + p2.consumed, input.len(), "split {k}");
            assert!(p2.done && dec.is_done());
            assert_eq!(out, b"abc0123456789");
            assert_eq!(dec.decoded_total(), 13);
        }
    }

    #[test]
    fn length_body_stops_at_its_end() {
        assert_eq!(
            whole(BodyKind::Length(5), BIG, b"helloGET /"),
            Ok((b"hello".to_vec(), 5, true))
        );
        assert_eq!(
            bytewise(BodyKind::Length(5), BIG, b"helloGET /"),
            Ok((b"hello".to_vec(), 5, true))
        );
        assert_eq!(
            whole(BodyKind::Length(5), BIG, b"hel"),
            Ok((b"hel".to_vec(), 3, false))
        );
        assert_eq!(whole(BodyKind::None, BIG, b"xyz"), Ok((vec![], 0, true)));
        assert_eq!(
            whole(BodyKind::Length(0), BIG, b"xyz"),
            Ok((vec![], 0, true))
        );
    }

    #[test]
    fn chunk_syntax_errors() {
        let cases: &[(&[u8], ParseError)] = &[
            (b"x\r\n", ParseError::BadChunkSize),
            (b"\r\n", ParseError::BadChunkSize),
            (b";ext\r\n", ParseError::BadChunkSize),
            (b"-1\r\n", ParseError::BadChunkSize),
            (b"0x5\r\n", ParseError::BadChunkSize),
            (b"5 5\r\n", ParseError::BadChunkSize),
            (b"5\n", ParseError::BadChunkSize),
            (b"5\r\r", ParseError::BadLineEnding),
            (b"5\r\nhelloX", ParseError::BadChunkTerminator),
            (b"5\r\nhello\rX", ParseError::BadChunkTerminator),
            (b"5;a\x00b\r\n", ParseError::BadChunkExtension),
            (b"5;a\nb\r\n", ParseError::BadChunkExtension),
            (b"0\r\nBad Trailer: x\r\n\r\n", ParseError::BadTrailer),
            (b"0\r\nNoColon\r\n\r\n", ParseError::BadTrailer),
            (b"0\r\nX: a\x01\r\n\r\n", ParseError::BadTrailer),
            (b"0\r\n\r\r", ParseError::BadLineEnding),
            (b"0\r\n\n", ParseError::BadTrailer),
        ];
        for (input, want) in cases {
            assert_eq!(
                whole(BodyKind::Chunked, BIG, input).map(|_| ()),
                Err(*want),
                "{:?}",
                String::from_utf8_lossy(input)
            );
            assert_eq!(
                bytewise(BodyKind::Chunked, BIG, input).map(|_| ()),
                Err(*want),
                "bytewise {:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn chunk_size_overflow() {
        assert_eq!(
            whole(BodyKind::Chunked, u64::MAX, b"ffffffffffffffff\r\n").map(|r| r.2),
            Ok(false)
        );
        let too_many: &[u8] = b"10000000000000000\r\n"; // 17 digits
        assert_eq!(
            whole(BodyKind::Chunked, u64::MAX, too_many),
            Err(ParseError::ChunkSizeOverflow)
        );
        let padded: &[u8] = b"00000000000000001\r\n"; // leading zeros count too
        assert_eq!(
            whole(BodyKind::Chunked, u64::MAX, padded),
            Err(ParseError::ChunkSizeOverflow)
        );
        assert_eq!(ParseError::ChunkSizeOverflow.status(), 400);
    }

    #[test]
    fn body_limit_gives_413() {
        // A chunk announcing more than the limit is refused before its data.
        assert_eq!(
            whole(BodyKind::Chunked, 10, b"b\r\n"),
            Err(ParseError::BodyTooLarge)
        );
        // Several chunks that together pass it.
        assert_eq!(
            whole(BodyKind::Chunked, 10, b"6\r\nabcdef\r\n5\r\n"),
            Err(ParseError::BodyTooLarge)
        );
        assert_eq!(
            whole(
                BodyKind::Chunked,
                10,
                b"5\r\nabcde\r\n5\r\nfghij\r\n0\r\n\r\n"
            )
            .map(|r| r.2),
            Ok(true)
        );
        assert_eq!(
            whole(BodyKind::Length(11), 10, b"x"),
            Err(ParseError::BodyTooLarge)
        );
        assert_eq!(
            whole(BodyKind::UntilClose, 3, b"abcd"),
            Err(ParseError::BodyTooLarge)
        );
        // The error is sticky.
        let mut dec = BodyDecoder::new(BodyKind::Chunked, 1);
        let mut out = Vec::new();
        assert!(dec.decode(b"2\r\n", &mut out).is_err());
        assert_eq!(dec.decode(b"", &mut out), Err(ParseError::BodyTooLarge));
        assert_eq!(dec.finish_at_eof(), Err(ParseError::BodyTooLarge));
    }

    #[test]
    fn extension_and_trailer_limits() {
        let mut input = b"1;".to_vec();
        input.resize(2 + MAX_CHUNK_EXTENSION_BYTES as usize + 1, b'a');
        assert_eq!(
            whole(BodyKind::Chunked, BIG, &input),
            Err(ParseError::ChunkExtensionTooLong)
        );
        let mut input = b"0\r\nX: ".to_vec();
        input.resize(5 + MAX_TRAILER_BYTES, b'a');
        assert_eq!(
            whole(BodyKind::Chunked, BIG, &input),
            Err(ParseError::TrailerTooLarge)
        );
    }

    #[test]
    fn eof_handling() {
        let mut dec = BodyDecoder::new(BodyKind::UntilClose, BIG);
        let mut out = Vec::new();
        assert_eq!(
            dec.decode(b"abc", &mut out),
            Ok(Progress {
                consumed: 3,
                done: false
            })
        );
        assert_eq!(dec.finish_at_eof(), Ok(()));
        assert!(dec.is_done());
        let mut dec = BodyDecoder::new(BodyKind::Length(4), BIG);
        assert!(dec.decode(b"ab", &mut out).is_ok());
        assert_eq!(dec.finish_at_eof(), Err(ParseError::UnexpectedEof));
        let mut dec = BodyDecoder::new(BodyKind::Chunked, BIG);
        assert!(dec.decode(b"2\r\nab\r\n", &mut out).is_ok());
        assert_eq!(dec.finish_at_eof(), Err(ParseError::UnexpectedEof));
        let mut dec = BodyDecoder::new(BodyKind::Chunked, BIG);
        assert!(dec.decode(b"0\r\n\r\n", &mut out).is_ok_and(|p| p.done));
        assert_eq!(dec.finish_at_eof(), Ok(()));
    }

    #[test]
    fn encode_then_decode() {
        let mut wire = Vec::new();
        crate::http::encode_chunk(b"hello ", &mut wire);
        crate::http::encode_chunk(&[7u8; 300], &mut wire);
        wire.extend_from_slice(crate::http::LAST_CHUNK);
        let (out, consumed, done) = bytewise(BodyKind::Chunked, BIG, &wire).unwrap();
        assert!(done);
        assert_eq!(consumed, wire.len());
        assert_eq!(&out[..6], b"hello ");
        assert_eq!(out.len(), 306);
    }
}
