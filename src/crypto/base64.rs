//! Base64 (RFC 4648 §4) and base64url (RFC 4648 §5), both strict.
//!
//! Every 3 input bytes become 4 characters of 6 bits each. The two alphabets
//! differ only in the last two symbols: `+/` (standard) and `-_` (URL- and
//! filename-safe). A final group of 1 or 2 bytes yields 2 or 3 characters.
//!
//! * [`encode`]/[`decode`]: standard alphabet, **padded** with `=` to a
//!   multiple of 4 characters (§3.2). Used by HTTP Basic and htpasswd.
//! * [`encode_url`]/[`decode_url`]: URL-safe alphabet, **no padding**, as
//!   JWS requires (RFC 7515 §2, "Base64url Encoding"). `=` is rejected.
//!
//! Decoding is strict in both (§3.3, §3.5): whitespace, characters outside
//! the alphabet, misplaced or missing padding, an impossible length (one
//! leftover character) and *non-canonical* trailing bits (the unused low bits
//! of the last character must be zero) are errors. Strictness matters for
//! tokens: otherwise several encodings decode to the same bytes, and a
//! "modified" signature could still verify.

use std::fmt;

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/// Marks a byte that is not in the alphabet in a decode table.
const INVALID: u8 = 0xff;
const DECODE_STANDARD: [u8; 256] = decode_table(STANDARD);
const DECODE_URL_SAFE: [u8; 256] = decode_table(URL_SAFE);

/// Builds the byte -> 6-bit value table for an alphabet at compile time.
const fn decode_table(alphabet: &[u8; 64]) -> [u8; 256] {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
}

/// Why a base64 string was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base64Error {
    /// A byte outside the alphabet (or `=` where none may be), at this offset.
    InvalidByte(usize),
    /// A length no encoding produces.
    InvalidLength,
    /// Padding missing, misplaced or too long.
    InvalidPadding,
    /// The unused low bits of the last character are not zero.
    NonCanonical,
}

impl fmt::Display for Base64Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Base64Error::InvalidByte(at) => write!(f, "invalid base64 character at byte {at}"),
            Base64Error::InvalidLength => f.write_str("invalid base64 length"),
            Base64Error::InvalidPadding => f.write_str("invalid base64 padding"),
            Base64Error::NonCanonical => f.write_str("non-canonical base64 (trailing bits set)"),
        }
    }
}

impl std::error::Error for Base64Error {}

/// Standard, padded base64 of `data`.
pub fn encode(data: &[u8]) -> String {
    encode_with(data, STANDARD, true)
}

/// URL-safe base64 of `data`, without padding.
pub fn encode_url(data: &[u8]) -> String {
    encode_with(data, URL_SAFE, false)
}

/// Decodes standard, padded base64.
pub fn decode(s: &[u8]) -> Result<Vec<u8>, Base64Error> {
    if !s.len().is_multiple_of(4) {
        return Err(Base64Error::InvalidLength);
    }
    let pad = s.iter().rev().take_while(|&&b| b == b'=').count();
    if pad > 2 {
        return Err(Base64Error::InvalidPadding);
    }
    let body = s.get(..s.len() - pad).unwrap_or_default();
    if pad > 0 && body.len() % 4 + pad != 4 {
        return Err(Base64Error::InvalidPadding);
    }
    decode_with(body, &DECODE_STANDARD)
}

/// Decodes URL-safe base64 without padding (`=` is rejected).
pub fn decode_url(s: &[u8]) -> Result<Vec<u8>, Base64Error> {
    decode_with(s, &DECODE_URL_SAFE)
}

fn encode_with(data: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let sym = |v: u32| char::from(alphabet[(v & 0x3f) as usize]);
    let mut out = String::with_capacity(data.len().div_ceil(3).saturating_mul(4));
    let mut chunks = data.chunks_exact(3);
    for c in &mut chunks {
        if let [a, b, d] = c {
            let n = u32::from(*a) << 16 | u32::from(*b) << 8 | u32::from(*d);
            out.extend([sym(n >> 18), sym(n >> 12), sym(n >> 6), sym(n)]);
        }
    }
    match chunks.remainder() {
        [a] => {
            let n = u32::from(*a) << 16;
            out.extend([sym(n >> 18), sym(n >> 12)]);
            if pad {
                out.push_str("==");
            }
        }
        [a, b] => {
            let n = u32::from(*a) << 16 | u32::from(*b) << 8;
            out.extend([sym(n >> 18), sym(n >> 12), sym(n >> 6)]);
            if pad {
                out.push('=');
            }
        }
        _ => {}
    }
    out
}

/// Decodes unpadded symbols with `table`; the caller has handled `=`.
///
/// Full groups of four symbols become three bytes at once; a final group of
/// two or three symbols becomes one or two bytes, and its unused low bits
/// (4 or 2) must be zero.
fn decode_with(s: &[u8], table: &[u8; 256]) -> Result<Vec<u8>, Base64Error> {
    if s.len() % 4 == 1 {
        return Err(Base64Error::InvalidLength);
    }
    let lookup = |i: usize, c: u8| -> Result<u32, Base64Error> {
        match table[usize::from(c)] {
            INVALID => Err(Base64Error::InvalidByte(i)),
            v => Ok(u32::from(v)),
        }
    };
    let mut out = Vec::with_capacity(s.len() / 4 * 3 + 2);
    let mut groups = s.chunks_exact(4);
    for (g, group) in (&mut groups).enumerate() {
        if let [a, b, c, d] = group {
            let v = [a, b, c, d].map(|&c| table[usize::from(c)]);
            // Valid symbols are below 64, INVALID has the top bits set: one
            // test for the whole group, the slow search only on failure.
            if (v[0] | v[1] | v[2] | v[3]) >= 64 {
                let bad = v.iter().position(|&x| x == INVALID).unwrap_or(0);
                return Err(Base64Error::InvalidByte(g * 4 + bad));
            }
            let n = u32::from(v[0]) << 18
                | u32::from(v[1]) << 12
                | u32::from(v[2]) << 6
                | u32::from(v[3]);
            out.extend_from_slice(&n.to_be_bytes()[1..]);
        }
    }
    let at = s.len() - groups.remainder().len();
    match groups.remainder() {
        [a, b] => {
            let n = lookup(at, *a)? << 18 | lookup(at + 1, *b)? << 12;
            if n & 0xffff != 0 {
                return Err(Base64Error::NonCanonical);
            }
            out.push((n >> 16) as u8);
        }
        [a, b, c] => {
            let n = lookup(at, *a)? << 18 | lookup(at + 1, *b)? << 12 | lookup(at + 2, *c)? << 6;
            if n & 0xff != 0 {
                return Err(Base64Error::NonCanonical);
            }
            out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8]);
        }
        _ => {}
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4648 §10.
    const VECTORS: [(&str, &str); 7] = [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ];

    #[test]
    fn rfc4648_vectors_standard() {
        for (plain, enc) in VECTORS {
            assert_eq!(encode(plain.as_bytes()), enc);
            assert_eq!(decode(enc.as_bytes()).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn rfc4648_vectors_url_unpadded() {
        for (plain, enc) in VECTORS {
            let unpadded = enc.trim_end_matches('=');
            assert_eq!(encode_url(plain.as_bytes()), unpadded);
            assert_eq!(decode_url(unpadded.as_bytes()).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn alphabets_differ_in_62_and_63() {
        let data = [0xfb, 0xff, 0xbf];
        assert_eq!(encode(&data), "+/+/");
        assert_eq!(encode_url(&data), "-_-_");
        assert!(decode(b"-_-_").is_err());
        assert!(decode_url(b"+/+/").is_err());
    }

    #[test]
    fn strict_rejections() {
        use Base64Error::*;
        assert_eq!(decode(b"Zg="), Err(InvalidLength));
        assert_eq!(decode(b"Zg"), Err(InvalidLength));
        assert_eq!(decode(b"Z==="), Err(InvalidPadding));
        assert_eq!(decode(b"Zm9v===="), Err(InvalidPadding));
        assert_eq!(decode(b"Zm8=Zm8="), Err(InvalidByte(3)));
        assert_eq!(decode(b"Zh=="), Err(NonCanonical));
        assert_eq!(decode(b"Zm9="), Err(NonCanonical));
        assert_eq!(decode(b"Zm 9"), Err(InvalidByte(2)));
        assert_eq!(decode_url(b"Zg=="), Err(InvalidByte(2)));
        assert_eq!(decode_url(b"Z"), Err(InvalidLength));
        assert_eq!(decode_url(b"Zh"), Err(NonCanonical));
        assert_eq!(decode_url(b"Zm9"), Err(NonCanonical));
        assert_eq!(decode_url(b"Zm8\n"), Err(InvalidByte(3)));
        assert_eq!(decode_url(&[0xff, b'A']), Err(InvalidByte(0)));
    }

    #[test]
    fn all_byte_values_round_trip() {
        let data: Vec<u8> = (0..=255u8).collect();
        for n in 0..data.len() {
            let d = &data[..n];
            assert_eq!(decode(encode(d).as_bytes()).unwrap(), d);
            assert_eq!(decode_url(encode_url(d).as_bytes()).unwrap(), d);
        }
    }
}
