//! SHA-512 and SHA-384 as specified in FIPS 180-4.
//!
//! Same Merkle–Damgård shape as SHA-256 (see [`super::sha256`](mod@super::sha256)) with 64-bit
//! words, 1024-bit blocks, 80 rounds and a 128-bit length field (§5.1.2).
//! The message schedule (§6.4.2 step 1):
//!
//! ```text
//! W[t] = M[t]                                           0 <= t <= 15
//! W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16]    16 <= t <= 79
//! σ0(x) = ROTR1 ^ ROTR8 ^ SHR7        σ1(x) = ROTR19 ^ ROTR61 ^ SHR6
//! ```
//!
//! The compression (§6.4.2 steps 2–4) is the SHA-256 round with
//! `Σ0(a) = ROTR28 ^ ROTR34 ^ ROTR39` and `Σ1(e) = ROTR14 ^ ROTR18 ^ ROTR41`,
//! additions mod 2^64. `K` are the first 64 bits of the fractional parts of
//! the cube roots of the first 80 primes.
//!
//! SHA-384 (§6.5) is SHA-512 with a different initial hash value (from the
//! 9th–16th primes, §5.3.4) whose output is truncated to the first six words.

use super::block::BlockBuffer;

/// Bytes in one SHA-512/SHA-384 message block.
pub const BLOCK_LEN: usize = 128;
/// Bytes in a SHA-512 digest.
pub const OUTPUT_LEN_512: usize = 64;
/// Bytes in a SHA-384 digest.
pub const OUTPUT_LEN_384: usize = 48;

/// FIPS 180-4 §4.2.3 round constants.
const K: [u64; 80] = [
    0x428a2f98d728ae22,
    0x7137449123ef65cd,
    0xb5c0fbcfec4d3b2f,
    0xe9b5dba58189dbbc,
    0x3956c25bf348b538,
    0x59f111f1b605d019,
    0x923f82a4af194f9b,
    0xab1c5ed5da6d8118,
    0xd807aa98a3030242,
    0x12835b0145706fbe,
    0x243185be4ee4b28c,
    0x550c7dc3d5ffb4e2,
    0x72be5d74f27b896f,
    0x80deb1fe3b1696b1,
    0x9bdc06a725c71235,
    0xc19bf174cf692694,
    0xe49b69c19ef14ad2,
    0xefbe4786384f25e3,
    0x0fc19dc68b8cd5b5,
    0x240ca1cc77ac9c65,
    0x2de92c6f592b0275,
    0x4a7484aa6ea6e483,
    0x5cb0a9dcbd41fbd4,
    0x76f988da831153b5,
    0x983e5152ee66dfab,
    0xa831c66d2db43210,
    0xb00327c898fb213f,
    0xbf597fc7beef0ee4,
    0xc6e00bf33da88fc2,
    0xd5a79147930aa725,
    0x06ca6351e003826f,
    0x142929670a0e6e70,
    0x27b70a8546d22ffc,
    0x2e1b21385c26c926,
    0x4d2c6dfc5ac42aed,
    0x53380d139d95b3df,
    0x650a73548baf63de,
    0x766a0abb3c77b2a8,
    0x81c2c92e47edaee6,
    0x92722c851482353b,
    0xa2bfe8a14cf10364,
    0xa81a664bbc423001,
    0xc24b8b70d0f89791,
    0xc76c51a30654be30,
    0xd192e819d6ef5218,
    0xd69906245565a910,
    0xf40e35855771202a,
    0x106aa07032bbd1b8,
    0x19a4c116b8d2d0c8,
    0x1e376c085141ab53,
    0x2748774cdf8eeb99,
    0x34b0bcb5e19b48a8,
    0x391c0cb3c5c95a63,
    0x4ed8aa4ae3418acb,
    0x5b9cca4f7763e373,
    0x682e6ff3d6b2b8a3,
    0x748f82ee5defb2fc,
    0x78a5636f43172f60,
    0x84c87814a1f0ab72,
    0x8cc702081a6439ec,
    0x90befffa23631e28,
    0xa4506cebde82bde9,
    0xbef9a3f7b2c67915,
    0xc67178f2e372532b,
    0xca273eceea26619c,
    0xd186b8c721c0c207,
    0xeada7dd6cde0eb1e,
    0xf57d4f7fee6ed178,
    0x06f067aa72176fba,
    0x0a637dc5a2c898a6,
    0x113f9804bef90dae,
    0x1b710b35131c471b,
    0x28db77f523047d84,
    0x32caab7b40c72493,
    0x3c9ebe0a15c9bebc,
    0x431d67c49c100d4c,
    0x4cc5d4becb3e42b6,
    0x597f299cfc657e2a,
    0x5fcb6fab3ad6faec,
    0x6c44198c4a475817,
];

/// FIPS 180-4 §5.3.5 initial hash value of SHA-512.
const H0_512: [u64; 8] = [
    0x6a09e667f3bcc908,
    0xbb67ae8584caa73b,
    0x3c6ef372fe94f82b,
    0xa54ff53a5f1d36f1,
    0x510e527fade682d1,
    0x9b05688c2b3e6c1f,
    0x1f83d9abfb41bd6b,
    0x5be0cd19137e2179,
];

/// FIPS 180-4 §5.3.4 initial hash value of SHA-384.
const H0_384: [u64; 8] = [
    0xcbbb9d5dc1059ed8,
    0x629a292a367cd507,
    0x9159015a3070dd17,
    0x152fecd8f70e5939,
    0x67332667ffc00b31,
    0x8eb44a8768581511,
    0xdb0c2e0d64f98fa7,
    0x47b5481dbefa4fa4,
];

/// The shared SHA-512 engine; the two public types differ in IV and output.
#[derive(Clone)]
struct Core {
    h: [u64; 8],
    block: BlockBuffer<BLOCK_LEN>,
    /// Message length so far, in bytes.
    len: u128,
}

impl Core {
    const fn new(iv: [u64; 8]) -> Self {
        Core {
            h: iv,
            block: BlockBuffer::new(),
            len: 0,
        }
    }

    fn update(&mut self, data: &[u8]) {
        self.len = self.len.wrapping_add(data.len() as u128);
        let h = &mut self.h;
        self.block.feed(data, |b| compress(h, b));
    }

    /// Pads, compresses, and writes `H` big-endian (all 64 bytes).
    fn finalize(mut self) -> [u8; 64] {
        let bits = self.len.wrapping_mul(8).to_be_bytes();
        let h = &mut self.h;
        self.block.finish(&bits, |b| compress(h, b));
        let mut out = [0u8; 64];
        for (dst, word) in out.chunks_exact_mut(8).zip(self.h.iter()) {
            dst.copy_from_slice(&word.to_be_bytes());
        }
        out
    }
}

/// Streaming SHA-512.
#[derive(Clone)]
pub struct Sha512(Core);

/// Streaming SHA-384 (truncated SHA-512 with its own IV).
#[derive(Clone)]
pub struct Sha384(Core);

impl std::fmt::Debug for Sha512 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sha512 { .. }")
    }
}

impl std::fmt::Debug for Sha384 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sha384 { .. }")
    }
}

impl Default for Sha512 {
    fn default() -> Self {
        Self::new()
    }
}

impl Default for Sha384 {
    fn default() -> Self {
        Self::new()
    }
}

impl Sha512 {
    /// A hasher with the SHA-512 initial hash value.
    pub const fn new() -> Self {
        Sha512(Core::new(H0_512))
    }
    /// Absorbs `data`.
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
    /// Pads the message and returns the digest.
    pub fn finalize(self) -> [u8; OUTPUT_LEN_512] {
        self.0.finalize()
    }
}

impl Sha384 {
    /// A hasher with the SHA-384 initial hash value.
    pub const fn new() -> Self {
        Sha384(Core::new(H0_384))
    }
    /// Absorbs `data`.
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
    /// Pads the message and returns the first 384 bits of the SHA-512 state.
    pub fn finalize(self) -> [u8; OUTPUT_LEN_384] {
        let full = self.0.finalize();
        let mut out = [0u8; OUTPUT_LEN_384];
        for (dst, src) in out.iter_mut().zip(full.iter()) {
            *dst = *src;
        }
        out
    }
}

/// One-shot SHA-512 of `data`.
pub fn sha512(data: &[u8]) -> [u8; OUTPUT_LEN_512] {
    let mut h = Sha512::new();
    h.update(data);
    h.finalize()
}

/// One-shot SHA-384 of `data`.
pub fn sha384(data: &[u8]) -> [u8; OUTPUT_LEN_384] {
    let mut h = Sha384::new();
    h.update(data);
    h.finalize()
}

/// Σ0 (FIPS 180-4 §4.1.3, (4.10)).
#[inline(always)]
fn big_sigma0(x: u64) -> u64 {
    x.rotate_right(28) ^ x.rotate_right(34) ^ x.rotate_right(39)
}

/// Σ1 (§4.1.3, (4.11)).
#[inline(always)]
fn big_sigma1(x: u64) -> u64 {
    x.rotate_right(14) ^ x.rotate_right(18) ^ x.rotate_right(41)
}

/// σ0 (§4.1.3, (4.12)).
#[inline(always)]
fn small_sigma0(x: u64) -> u64 {
    x.rotate_right(1) ^ x.rotate_right(8) ^ (x >> 7)
}

/// σ1 (§4.1.3, (4.13)).
#[inline(always)]
fn small_sigma1(x: u64) -> u64 {
    x.rotate_right(19) ^ x.rotate_right(61) ^ (x >> 6)
}

/// FIPS 180-4 §6.4.2: message schedule and 80 rounds for one block, as five
/// `sixteen_rounds` over a 16-word schedule window (as in SHA-256).
// The last round group stores words into the window that no round reads.
#[allow(unused_assignments)]
fn compress(state: &mut [u64; 8], block: &[u8; BLOCK_LEN]) {
    let mut w = [0u64; 16];
    for (word, bytes) in w.iter_mut().zip(block.chunks_exact(8)) {
        let mut be = [0u8; 8];
        be.copy_from_slice(bytes);
        *word = u64::from_be_bytes(be);
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    sixteen_rounds!(message_word, w, K, 0, a, b, c, d, e, f, g, h);
    sixteen_rounds!(schedule_word, w, K, 16, a, b, c, d, e, f, g, h);
    sixteen_rounds!(schedule_word, w, K, 32, a, b, c, d, e, f, g, h);
    sixteen_rounds!(schedule_word, w, K, 48, a, b, c, d, e, f, g, h);
    sixteen_rounds!(schedule_word, w, K, 64, a, b, c, d, e, f, g, h);
    for (s, v) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *s = s.wrapping_add(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::to_hex;

    const MSG_448: &[u8] = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    const MSG_896: &[u8] = b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

    #[test]
    fn sha512_nist_vectors() {
        let cases: [(&[u8], &str); 4] = [
            (b"", "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"),
            (b"abc", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
            (MSG_448, "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445"),
            (MSG_896, "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"),
        ];
        for (msg, want) in cases {
            assert_eq!(to_hex(&sha512(msg)), want);
        }
    }

    #[test]
    fn sha384_nist_vectors() {
        let cases: [(&[u8], &str); 4] = [
            (b"", "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b"),
            (b"abc", "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"),
            (MSG_448, "3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05abfe8f450de5f36bc6b0455a8520bc4e6f5fe95b1fe3c8452b"),
            (MSG_896, "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039"),
        ];
        for (msg, want) in cases {
            assert_eq!(to_hex(&sha384(msg)), want);
        }
    }

    #[test]
    fn million_a() {
        let chunk = [b'a'; 1000];
        let mut h512 = Sha512::new();
        let mut h384 = Sha384::new();
        for _ in 0..1000 {
            h512.update(&chunk);
            h384.update(&chunk);
        }
        assert_eq!(to_hex(&h512.finalize()), "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b");
        assert_eq!(to_hex(&h384.finalize()), "9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b07b8b3dc38ecc4ebae97ddd87f3d8985");
    }

    #[test]
    fn streaming_matches_one_shot_at_every_split() {
        let msg: Vec<u8> = (0..=255u8).collect();
        let want = sha512(&msg);
        for split in 0..=msg.len() {
            let (a, b) = msg.split_at(split);
            let mut h = Sha512::new();
            h.update(a);
            h.update(b);
            assert_eq!(h.finalize(), want, "split at {split}");
        }
    }
}
