//! SHA-256 as specified in FIPS 180-4.
//!
//! The message is padded (§5.1.1) and split into 512-bit blocks. For each
//! block the *message schedule* (§6.2.2 step 1) expands the sixteen 32-bit
//! big-endian words `M0..M15` into sixty-four words:
//!
//! ```text
//! W[t] = M[t]                                           0 <= t <= 15
//! W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16]    16 <= t <= 63
//! σ0(x) = ROTR7(x) ^ ROTR18(x) ^ SHR3(x)
//! σ1(x) = ROTR17(x) ^ ROTR19(x) ^ SHR10(x)
//! ```
//!
//! The *compression* (§6.2.2 steps 2–4) runs 64 rounds over eight working
//! variables `a..h`, initialised from the hash value `H`:
//!
//! ```text
//! T1 = h + Σ1(e) + Ch(e,f,g) + K[t] + W[t]
//! T2 = Σ0(a) + Maj(a,b,c)
//! h=g g=f f=e e=d+T1 d=c c=b b=a a=T1+T2
//! Σ0(a) = ROTR2 ^ ROTR13 ^ ROTR22      Σ1(e) = ROTR6 ^ ROTR11 ^ ROTR25
//! Ch(e,f,g) = (e & f) ^ (!e & g)       Maj(a,b,c) = (a & b) ^ (a & c) ^ (b & c)
//! ```
//!
//! and then adds `a..h` into `H` (all additions mod 2^32). The digest is `H`
//! written big-endian. `K` are the first 32 bits of the fractional parts of
//! the cube roots of the first 64 primes, the initial `H` (§5.3.3) those of
//! the square roots of the first 8 primes. The names follow the spec.

use super::block::BlockBuffer;

/// Bytes in one SHA-256 message block.
pub const BLOCK_LEN: usize = 64;
/// Bytes in a SHA-256 digest.
pub const OUTPUT_LEN: usize = 32;

/// FIPS 180-4 §4.2.2 round constants.
const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// FIPS 180-4 §5.3.3 initial hash value.
const H0: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// Streaming SHA-256: `new`, any number of `update`s, one `finalize`.
#[derive(Clone)]
pub struct Sha256 {
    h: [u32; 8],
    block: BlockBuffer<BLOCK_LEN>,
    /// Message length so far, in bytes (the spec limits messages to 2^64 bits).
    len: u64,
}

impl std::fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The state may be keyed (HMAC): never print it.
        f.write_str("Sha256 { .. }")
    }
}

impl Default for Sha256 {
    fn default() -> Self {
        Self::new()
    }
}

impl Sha256 {
    /// A hasher with the initial hash value.
    pub const fn new() -> Self {
        Sha256 {
            h: H0,
            block: BlockBuffer::new(),
            len: 0,
        }
    }

    /// Absorbs `data`.
    pub fn update(&mut self, data: &[u8]) {
        self.len = self.len.wrapping_add(data.len() as u64);
        let h = &mut self.h;
        self.block.feed(data, |b| compress(h, b));
    }

    /// Pads the message and returns the digest.
    pub fn finalize(mut self) -> [u8; OUTPUT_LEN] {
        let bits = self.len.wrapping_mul(8).to_be_bytes();
        let h = &mut self.h;
        self.block.finish(&bits, |b| compress(h, b));
        let mut out = [0u8; OUTPUT_LEN];
        for (dst, word) in out.chunks_exact_mut(4).zip(self.h.iter()) {
            dst.copy_from_slice(&word.to_be_bytes());
        }
        out
    }
}

/// One-shot SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; OUTPUT_LEN] {
    let mut h = Sha256::new();
    h.update(data);
    h.finalize()
}

/// Σ0 (FIPS 180-4 §4.1.2, (4.4)).
#[inline(always)]
fn big_sigma0(x: u32) -> u32 {
    x.rotate_right(2) ^ x.rotate_right(13) ^ x.rotate_right(22)
}

/// Σ1 (§4.1.2, (4.5)).
#[inline(always)]
fn big_sigma1(x: u32) -> u32 {
    x.rotate_right(6) ^ x.rotate_right(11) ^ x.rotate_right(25)
}

/// σ0 (§4.1.2, (4.6)).
#[inline(always)]
fn small_sigma0(x: u32) -> u32 {
    x.rotate_right(7) ^ x.rotate_right(18) ^ (x >> 3)
}

/// σ1 (§4.1.2, (4.7)).
#[inline(always)]
fn small_sigma1(x: u32) -> u32 {
    x.rotate_right(17) ^ x.rotate_right(19) ^ (x >> 10)
}

/// FIPS 180-4 §6.2.2: message schedule and 64 rounds for one block, as
/// four [`sixteen_rounds`] (the schedule is a 16-word window extended just
/// before each word is needed; see [`schedule_word`]).
// The last round group stores words into the window that no round reads.
#[allow(unused_assignments)]
fn compress(state: &mut [u32; 8], block: &[u8; BLOCK_LEN]) {
    let mut w = [0u32; 16];
    for (word, bytes) in w.iter_mut().zip(block.chunks_exact(4)) {
        let mut be = [0u8; 4];
        be.copy_from_slice(bytes);
        *word = u32::from_be_bytes(be);
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    sixteen_rounds!(message_word, w, K, 0, a, b, c, d, e, f, g, h);
    sixteen_rounds!(schedule_word, w, K, 16, a, b, c, d, e, f, g, h);
    sixteen_rounds!(schedule_word, w, K, 32, a, b, c, d, e, f, g, h);
    sixteen_rounds!(schedule_word, w, K, 48, a, b, c, d, e, f, g, h);
    // Step 4: add the working variables into the hash value.
    for (s, v) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *s = s.wrapping_add(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::to_hex;

    fn hex256(data: &[u8]) -> String {
        to_hex(&sha256(data))
    }

    #[test]
    fn nist_empty() {
        assert_eq!(
            hex256(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn nist_abc() {
        assert_eq!(
            hex256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn nist_448_bits() {
        assert_eq!(
            hex256(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
    }

    #[test]
    fn nist_896_bits() {
        assert_eq!(
            hex256(b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
        );
    }

    #[test]
    fn nist_million_a() {
        let mut h = Sha256::new();
        let chunk = [b'a'; 1000];
        for _ in 0..1000 {
            h.update(&chunk);
        }
        assert_eq!(
            to_hex(&h.finalize()),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
    }

    #[test]
    fn streaming_matches_one_shot_at_every_split() {
        let msg: Vec<u8> = (0..200u8).collect();
        let want = sha256(&msg);
        for split in 0..=msg.len() {
            let (a, b) = msg.split_at(split);
            let mut h = Sha256::new();
            h.update(a);
            h.update(b);
            assert_eq!(h.finalize(), want, "split at {split}");
        }
    }

    #[test]
    fn padding_boundaries() {
        // 55, 56, 63, 64 bytes exercise the one- and two-block padding paths.
        let cases: [(usize, &str); 4] = [
            (
                55,
                "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
            ),
            (
                56,
                "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",
            ),
            (
                63,
                "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34",
            ),
            (
                64,
                "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",
            ),
        ];
        for (n, want) in cases {
            assert_eq!(hex256(&vec![b'a'; n]), want, "{n} bytes");
        }
    }
}
