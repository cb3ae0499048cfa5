//! Byte classes of HTTP/1.1, as lookup tables built at compile time.
//!
//! The parser asks one question per input byte ("may this byte appear
//! here?"). Answering it with a 256-entry table indexed by the byte is a
//! single load, with no branches on ranges, so the tables below are built by
//! `const fn`s from the ABNF they implement (the technique of httparse's
//! `TOKEN_MAP`). Each table quotes its grammar:
//!
//! ```text
//! RFC 9110 §5.6.2   token  = 1*tchar
//!                   tchar  = "!" / "#" / "$" / "%" / "&" / "'" / "*"
//!                          / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
//!                          / DIGIT / ALPHA
//! RFC 9110 §5.5     field-value   = *field-content
//!                   field-content = field-vchar
//!                                   [ 1*( SP / HTAB / field-vchar ) field-vchar ]
//!                   field-vchar   = VCHAR / obs-text
//!                   obs-text      = %x80-FF
//! RFC 9112 §3.2     request-target: we accept only visible ASCII (%x21-7E);
//!                   anything else (CTL, SP, DEL, non-ASCII) is a 400.
//! ```
//!
//! Indexing a `[bool; 256]` with a `u8` widened to `usize` can never be out
//! of bounds, so these lookups cannot panic on any input.

/// Builds a 256-entry table where entry `b` is `pred(b)`.
///
/// `const fn` cannot take closures, so each table has its own small
/// predicate below and this loop is written once per table via the macro.
macro_rules! byte_table {
    ($pred:ident) => {{
        let mut table = [false; 256];
        let mut i = 0;
        while i < 256 {
            table[i] = $pred(i as u8);
            i += 1;
        }
        table
    }};
}

/// `tchar` from RFC 9110 §5.6.2 (see the module doc).
const fn is_tchar_byte(b: u8) -> bool {
    matches!(b,
        b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.'
        | b'^' | b'_' | b'`' | b'|' | b'~'
        | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z')
}

/// A byte that may appear inside a field value: SP, HTAB, VCHAR, obs-text.
/// Everything else (NUL, CR, LF, the other controls, DEL) is refused.
const fn is_value_byte(b: u8) -> bool {
    matches!(b, b'\t' | b' ' | 0x21..=0x7E | 0x80..=0xFF)
}

/// A byte of a request-target: visible ASCII only.
const fn is_target_byte(b: u8) -> bool {
    matches!(b, 0x21..=0x7E)
}

/// `TOKEN_MAP[b]` is true when `b` is a `tchar`.
pub const TOKEN_MAP: [bool; 256] = byte_table!(is_tchar_byte);

/// `VALUE_MAP[b]` is true when `b` may appear in a field value.
pub const VALUE_MAP: [bool; 256] = byte_table!(is_value_byte);

/// `TARGET_MAP[b]` is true when `b` may appear in a request-target.
pub const TARGET_MAP: [bool; 256] = byte_table!(is_target_byte);

/// True when `b` is a `tchar` (RFC 9110 §5.6.2).
#[inline]
pub fn is_token(b: u8) -> bool {
    TOKEN_MAP[b as usize]
}

/// True when `b` may appear in a field value (SP, HTAB, VCHAR, obs-text).
#[inline]
pub fn is_value(b: u8) -> bool {
    VALUE_MAP[b as usize]
}

/// True when `b` may appear in a request-target (visible ASCII).
#[inline]
pub fn is_target(b: u8) -> bool {
    TARGET_MAP[b as usize]
}

/// `OWS = *( SP / HTAB )` (RFC 9110 §5.6.3): true for one OWS byte.
#[inline]
pub fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Strips optional whitespace (SP / HTAB) from both ends of `bytes`.
pub fn trim_ows(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|&b| !is_ows(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| !is_ows(b))
        .map_or(start, |i| i + 1);
    bytes.get(start..end).unwrap_or(&[])
}

/// True when every byte of a non-empty `bytes` is a `tchar`.
pub fn is_token_str(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(|&b| is_token(b))
}

/// Eight copies of byte `b` in a word, for the SWAR scans below.
const fn repeat(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

/// SWAR ("SIMD within a register"): true when some byte of `x` is below
/// `n` (exact for `n <= 0x80`). Subtracting `n` from every byte borrows
/// into the high bit exactly for the bytes below `n`; `& !x` discards bytes
/// whose high bit was already set.
#[inline]
const fn has_byte_below(x: u64, n: u8) -> bool {
    x.wrapping_sub(repeat(n)) & !x & repeat(0x80) != 0
}

/// True when all eight bytes of `x` are in `low..=0x7E`: no control byte,
/// no DEL, no byte with the high bit set.
#[inline]
const fn is_plain_block(x: u64, low: u8) -> bool {
    let del = x ^ repeat(0x7F);
    !has_byte_below(x, low) && x & repeat(0x80) == 0 && !has_byte_below(del, 1)
}

/// Index of the first byte at or after which a byte fails `accept`, checking
/// eight bytes at a time while they are all in `low..=0x7E` (the common
/// case, where `accept` is known to hold), and byte by byte otherwise.
/// `None` when every byte is accepted.
#[inline]
fn find_rejected(bytes: &[u8], low: u8, accept: fn(u8) -> bool) -> Option<usize> {
    let mut i = 0;
    loop {
        while let Some(block) = bytes.get(i..i + 8) {
            let Ok(block) = <[u8; 8]>::try_from(block) else {
                break;
            };
            if !is_plain_block(u64::from_ne_bytes(block), low) {
                break;
            }
            i += 8;
        }
        match bytes.get(i) {
            None => return None,
            Some(&b) if accept(b) => i += 1,
            Some(_) => return Some(i),
        }
    }
}

/// Index of the first byte of `bytes` that may not appear in a field value
/// (so: the CR that ends the line, or an invalid byte), or `None`.
pub fn find_non_value(bytes: &[u8]) -> Option<usize> {
    find_rejected(bytes, 0x20, is_value)
}

/// Index of the first byte of `bytes` that may not appear in a
/// request-target (so: the SP that ends it, or an invalid byte), or `None`.
pub fn find_non_target(bytes: &[u8]) -> Option<usize> {
    find_rejected(bytes, 0x21, is_target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_table_matches_the_abnf() {
        for b in 0..=255u8 {
            let expected = b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
            assert_eq!(is_token(b), expected, "byte {b:#x}");
        }
    }

    #[test]
    fn value_table_refuses_controls_except_htab() {
        assert!(is_value(b'\t') && is_value(b' ') && is_value(0x80) && is_value(b'a'));
        for b in [0u8, b'\r', b'\n', 0x1F, 0x7F] {
            assert!(!is_value(b), "byte {b:#x}");
        }
    }

    #[test]
    fn trim_ows_both_sides() {
        assert_eq!(trim_ows(b" \t a b \t"), b"a b");
        assert_eq!(trim_ows(b"   "), b"");
        assert_eq!(trim_ows(b""), b"");
    }

    #[test]
    fn swar_scans_agree_with_the_tables() {
        let mut samples: Vec<Vec<u8>> = Vec::new();
        for bad in [0u8, b'\t', b'\r', b'\n', b' ', 0x1F, 0x7F, 0x80, 0xFF, b'a'] {
            for pos in 0..20 {
                let mut v = vec![b'x'; 20];
                v[pos] = bad;
                samples.push(v);
            }
        }
        for s in &samples {
            assert_eq!(
                find_non_value(s),
                s.iter().position(|&b| !is_value(b)),
                "{s:?}"
            );
            assert_eq!(
                find_non_target(s),
                s.iter().position(|&b| !is_target(b)),
                "{s:?}"
            );
        }
        for b in 0..=255u8 {
            let block = [b; 8];
            assert_eq!(
                find_non_value(&block),
                block.iter().position(|&c| !is_value(c)),
                "{b:#x}"
            );
            assert_eq!(
                find_non_target(&block),
                block.iter().position(|&c| !is_target(c)),
                "{b:#x}"
            );
        }
    }
}
