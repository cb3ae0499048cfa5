//! Constant-time comparison for MAC tags and password hashes.
//!
//! `a == b` on slices stops at the first differing byte, so the time it takes
//! tells an attacker how many leading bytes of a forged tag were right; byte
//! by byte, they can then guess a valid tag. [`ct_eq`] instead ORs together
//! the XOR of every byte pair and looks at the result only once, after the
//! whole length has been visited. Lengths are not secret (a tag's length
//! follows from the algorithm), so a length mismatch returns `false` at once.

/// `true` when `a` and `b` are equal. Runs over every byte when the lengths
/// match, with no data-dependent branch; a length mismatch is `false`.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a
        .iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // black_box keeps the optimiser from turning the fold into an early exit.
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::ct_eq;

    #[test]
    fn equal_unequal_and_length_mismatch() {
        assert!(ct_eq(b"", b""));
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"xbc"));
        assert!(!ct_eq(b"abc", b"ab"));
        assert!(!ct_eq(b"", b"a"));
    }
}
