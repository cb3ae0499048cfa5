//! The chunked transfer-coding: the encoder, and the decoder's states.
//!
//! ```text
//! RFC 9112 §7.1
//! chunked-body   = *chunk
//!                  last-chunk
//!                  trailer-section
//!                  CRLF
//! chunk          = chunk-size [ chunk-ext ] CRLF
//!                  chunk-data CRLF
//! chunk-size     = 1*HEXDIG
//! last-chunk     = 1*("0") [ chunk-ext ] CRLF
//! chunk-data     = 1*OCTET ; a sequence of chunk-size octets
//! chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//! trailer-section = *( field-line CRLF )
//! ```
//!
//! Encoding is one function. Decoding is a state machine, [`ChunkedState`],
//! with one state per position in that grammar — per CR and per LF, as in
//! hyper's `decode.rs` — so that the decoder can stop after any byte and go
//! on when the next read arrives: input split anywhere decodes the same. The
//! driver lives in [`super::body`].

/// The terminating zero-size chunk with an empty trailer section.
pub const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// Appends `data` as one chunk: `<hex size>\r\n<data>\r\n`. Appends nothing
/// for empty data (an empty chunk would end the body).
pub fn encode_chunk(data: &[u8], out: &mut Vec<u8>) {
    if data.is_empty() {
        return;
    }
    push_hex(data.len() as u64, out);
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// Appends `n` in lowercase hex without leading zeros.
fn push_hex(n: u64, out: &mut Vec<u8>) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut started = false;
    for shift in (0..16).rev() {
        let nibble = (n >> (shift * 4)) & 0xF;
        if nibble != 0 || started || shift == 0 {
            started = true;
            out.push(DIGITS[nibble as usize]);
        }
    }
}

/// Where the chunked decoder is in the grammar above.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChunkedState {
    /// Before the first hex digit of a chunk-size.
    SizeStart,
    /// Reading further hex digits of the chunk-size.
    Size,
    /// Whitespace (BWS) after the size, before `;` or CR.
    SizeWs,
    /// Inside `; ext-name = ext-val`, skipped up to CR.
    Extension,
    /// After the CR that ends the size line; expecting LF.
    SizeLf,
    /// Reading chunk-data; the count of bytes left is kept by the decoder.
    Data,
    /// After chunk-data; expecting CR.
    DataCr,
    /// After chunk-data and CR; expecting LF.
    DataLf,
    /// At the start of a trailer line, or at the final CRLF.
    TrailerStart,
    /// Inside a trailer field name, before the colon.
    TrailerName,
    /// Inside a trailer field value, before CR.
    TrailerValue,
    /// After the CR of a trailer line; expecting LF.
    TrailerLf,
    /// After the CR of the final blank line; expecting LF.
    EndLf,
    /// The body is complete.
    Done,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_hex_sizes() {
        let mut out = Vec::new();
        encode_chunk(b"hello", &mut out);
        assert_eq!(out, b"5\r\nhello\r\n");
        out.clear();
        encode_chunk(&[b'x'; 26], &mut out);
        assert!(out.starts_with(b"1a\r\n"));
        out.clear();
        encode_chunk(b"", &mut out);
        assert!(out.is_empty());
        push_hex(0xdead_beef, &mut out);
        assert_eq!(out, b"deadbeef");
    }
}
