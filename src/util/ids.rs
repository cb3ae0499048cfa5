//! Request ids and W3C trace context.
//!
//! A request id must be unique enough to find one request in the logs of a
//! fleet, cheap to make (no syscall per request) and safe to echo: ids that
//! clients send are kept only when they look sane (length and characters
//! bounded), otherwise a fresh one is made.
//!
//! Fresh ids come from a per-process random seed (std's `RandomState` is
//! seeded by the OS) mixed with a counter through SplitMix64, printed as 32
//! hex digits.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// Longest client-supplied `X-Request-Id` we keep.
pub const MAX_REQUEST_ID_LEN: usize = 128;

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn seed() -> u64 {
    static SEED: OnceLock<u64> = OnceLock::new();
    *SEED.get_or_init(|| {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(u64::from(std::process::id()));
        h.finish()
    })
}

/// SplitMix64: a fast, well-mixed 64-bit permutation.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// 128 fresh random-looking bits.
pub fn random_u128() -> u128 {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let hi = mix(seed() ^ n);
    let lo = mix(hi ^ n.rotate_left(32) ^ 0x5851_F42D_4C95_7F2D);
    (u128::from(hi) << 64) | u128::from(lo)
}

/// Appends the low `digits` (at most 32) hex digits of `n`, lower case,
/// most significant first.
fn push_hex(out: &mut String, n: u128, digits: u32) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = [0u8; 32];
    let digits = digits.min(32) as usize;
    for (i, slot) in text.iter_mut().take(digits).enumerate() {
        let shift = 4 * (digits - 1 - i);
        *slot = HEX[((n >> shift) & 0xf) as usize];
    }
    // Every byte is an ASCII hex digit, so this never fails.
    out.push_str(std::str::from_utf8(&text[..digits]).unwrap_or_default());
}

/// A fresh request id: 32 lower-case hex digits.
pub fn new_request_id() -> String {
    let mut s = String::with_capacity(32);
    push_hex(&mut s, random_u128(), 32);
    s
}

/// True when a client-sent request id may be passed on as it is.
pub fn is_sane_request_id(id: &[u8]) -> bool {
    !id.is_empty()
        && id.len() <= MAX_REQUEST_ID_LEN
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// True for a valid W3C `traceparent` (version 00):
/// `00-<32 hex trace-id, not all 0>-<16 hex parent-id, not all 0>-<2 hex flags>`.
pub fn is_valid_traceparent(v: &[u8]) -> bool {
    let parts: Vec<&[u8]> = v.split(|&b| b == b'-').collect();
    let hex = |p: &[u8], n: usize| {
        p.len() == n && p.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    let nonzero = |p: &[u8]| p.iter().any(|&b| b != b'0');
    matches!(parts.as_slice(), [ver, trace, parent, flags]
        if *ver == b"00" && hex(trace, 32) && nonzero(trace) && hex(parent, 16) && nonzero(parent) && hex(flags, 2))
}

/// A fresh `traceparent` that starts a new, sampled trace.
pub fn new_traceparent() -> String {
    let r = random_u128();
    let parent = mix(r as u64) | 1;
    let mut s = String::with_capacity(55);
    s.push_str("00-");
    push_hex(&mut s, r | 1, 32);
    s.push('-');
    push_hex(&mut s, u128::from(parent), 16);
    s.push_str("-01");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_hex_and_distinct() {
        let a = new_request_id();
        let b = new_request_id();
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert!(is_sane_request_id(a.as_bytes()));
    }

    #[test]
    fn insane_ids_are_refused() {
        assert!(!is_sane_request_id(b""));
        assert!(!is_sane_request_id(b"a b"));
        assert!(!is_sane_request_id(b"x\r\nSet-Cookie: y"));
        assert!(!is_sane_request_id(&[b'a'; 129]));
    }

    #[test]
    fn traceparent_validation() {
        assert!(is_valid_traceparent(
            b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        ));
        assert!(!is_valid_traceparent(
            b"00-00000000000000000000000000000000-00f067aa0ba902b7-01"
        ));
        assert!(!is_valid_traceparent(
            b"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"
        ));
        assert!(!is_valid_traceparent(
            b"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"
        ));
        assert!(is_valid_traceparent(new_traceparent().as_bytes()));
    }
}
