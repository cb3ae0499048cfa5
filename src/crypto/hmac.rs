//! HMAC (RFC 2104) over any of the crate's hashes.
//!
//! ```text
//! HMAC(K, m) = H((K0 ^ opad) || H((K0 ^ ipad) || m))
//! ```
//!
//! `K0` is the key padded with zeros to the hash's *block* size `B` (64 bytes
//! for SHA-256, 128 for SHA-384/512); a key longer than `B` is first replaced
//! by `H(K)`. `ipad` is the byte `0x36` and `opad` the byte `0x5c`, repeated
//! `B` times. Because the first block of each hash depends only on the key,
//! [`Hmac::new`] absorbs `K0 ^ ipad` and `K0 ^ opad` once; cloning that keyed
//! state per message saves two compressions on every JWT verification.
//!
//! One generic construction serves all three hashes through the small
//! [`Hash`] trait. The keyed state is never printed by `Debug`. Compare tags
//! with [`super::ct_eq`], never with `==`.

use super::sha256::Sha256;
use super::sha512::{Sha384, Sha512};

/// Largest block size among the supported hashes (SHA-512's), in bytes.
const MAX_BLOCK_LEN: usize = 128;
/// RFC 2104 inner padding byte.
const IPAD: u8 = 0x36;
/// RFC 2104 outer padding byte.
const OPAD: u8 = 0x5c;

/// What HMAC needs from a hash function.
pub trait Hash: Clone {
    /// Block size `B` in bytes (at most 128).
    const BLOCK_LEN: usize;
    /// The digest type.
    type Output: AsRef<[u8]> + Copy;
    /// A fresh hasher.
    fn start() -> Self;
    /// Absorbs bytes.
    fn absorb(&mut self, data: &[u8]);
    /// Pads and returns the digest.
    fn finish(self) -> Self::Output;
}

impl Hash for Sha256 {
    const BLOCK_LEN: usize = super::sha256::BLOCK_LEN;
    type Output = [u8; 32];
    fn start() -> Self {
        Sha256::new()
    }
    fn absorb(&mut self, data: &[u8]) {
        self.update(data);
    }
    fn finish(self) -> Self::Output {
        self.finalize()
    }
}

impl Hash for Sha384 {
    const BLOCK_LEN: usize = super::sha512::BLOCK_LEN;
    type Output = [u8; 48];
    fn start() -> Self {
        Sha384::new()
    }
    fn absorb(&mut self, data: &[u8]) {
        self.update(data);
    }
    fn finish(self) -> Self::Output {
        self.finalize()
    }
}

impl Hash for Sha512 {
    const BLOCK_LEN: usize = super::sha512::BLOCK_LEN;
    type Output = [u8; 64];
    fn start() -> Self {
        Sha512::new()
    }
    fn absorb(&mut self, data: &[u8]) {
        self.update(data);
    }
    fn finish(self) -> Self::Output {
        self.finalize()
    }
}

/// A keyed HMAC state: clone it, feed the message, finalize.
#[derive(Clone)]
pub struct Hmac<H: Hash> {
    inner: H,
    outer: H,
}

impl<H: Hash> std::fmt::Debug for Hmac<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hmac { .. }")
    }
}

impl<H: Hash> Hmac<H> {
    /// Keys the inner and outer hashes with `K0 ^ ipad` and `K0 ^ opad`.
    pub fn new(key: &[u8]) -> Self {
        let mut k0 = [0u8; MAX_BLOCK_LEN];
        if key.len() > H::BLOCK_LEN {
            let mut h = H::start();
            h.absorb(key);
            let digest = h.finish();
            k0.iter_mut()
                .zip(digest.as_ref())
                .for_each(|(d, s)| *d = *s);
        } else {
            k0.iter_mut().zip(key).for_each(|(d, s)| *d = *s);
        }
        let mut pad = [0u8; MAX_BLOCK_LEN];
        let mut inner = H::start();
        let mut outer = H::start();
        for (p, k) in pad.iter_mut().zip(k0.iter()) {
            *p = k ^ IPAD;
        }
        inner.absorb(pad.get(..H::BLOCK_LEN).unwrap_or_default());
        for (p, k) in pad.iter_mut().zip(k0.iter()) {
            *p = k ^ OPAD;
        }
        outer.absorb(pad.get(..H::BLOCK_LEN).unwrap_or_default());
        Hmac { inner, outer }
    }

    /// Absorbs message bytes.
    pub fn update(&mut self, data: &[u8]) {
        self.inner.absorb(data);
    }

    /// Returns the tag `H((K0 ^ opad) || H((K0 ^ ipad) || m))`.
    pub fn finalize(self) -> H::Output {
        let inner = self.inner.finish();
        let mut outer = self.outer;
        outer.absorb(inner.as_ref());
        outer.finish()
    }

    /// One message with an already keyed state (the state is reused).
    pub fn mac(&self, msg: &[u8]) -> H::Output {
        let mut m = self.clone();
        m.update(msg);
        m.finalize()
    }
}

/// HMAC-SHA-256 of `msg` under `key`.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    Hmac::<Sha256>::new(key).mac(msg)
}

/// HMAC-SHA-384 of `msg` under `key`.
pub fn hmac_sha384(key: &[u8], msg: &[u8]) -> [u8; 48] {
    Hmac::<Sha384>::new(key).mac(msg)
}

/// HMAC-SHA-512 of `msg` under `key`.
pub fn hmac_sha512(key: &[u8], msg: &[u8]) -> [u8; 64] {
    Hmac::<Sha512>::new(key).mac(msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{from_hex, to_hex};

    struct Case {
        key: Vec<u8>,
        data: Vec<u8>,
        sha256: &'static str,
        sha384: &'static str,
        sha512: &'static str,
        /// Case 5 compares only the first 128 bits.
        truncate: Option<usize>,
    }

    fn h(s: &str) -> Vec<u8> {
        from_hex(s).unwrap()
    }

    /// RFC 4231 §4.2–§4.8.
    fn rfc4231() -> Vec<Case> {
        let big_key = vec![0xaa; 131];
        vec![
            Case {
                key: vec![0x0b; 20],
                data: b"Hi There".to_vec(),
                sha256: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
                sha384: "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
                sha512: "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
                truncate: None,
            },
            Case {
                key: b"Jefe".to_vec(),
                data: b"what do ya want for nothing?".to_vec(),
                sha256: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
                sha384: "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
                sha512: "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
                truncate: None,
            },
            Case {
                key: vec![0xaa; 20],
                data: vec![0xdd; 50],
                sha256: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
                sha384: "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27",
                sha512: "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb",
                truncate: None,
            },
            Case {
                key: h("0102030405060708090a0b0c0d0e0f10111213141516171819"),
                data: vec![0xcd; 50],
                sha256: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
                sha384: "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb",
                sha512: "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd",
                truncate: None,
            },
            Case {
                key: vec![0x0c; 20],
                data: b"Test With Truncation".to_vec(),
                sha256: "a3b6167473100ee06e0c796c2955552b",
                sha384: "3abf34c3503b2a23a46efc619baef897",
                sha512: "415fad6271580a531d4179bc891d87a6",
                truncate: Some(16),
            },
            Case {
                key: big_key.clone(),
                data: b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(),
                sha256: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
                sha384: "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
                sha512: "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
                truncate: None,
            },
            Case {
                key: big_key,
                data: b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".to_vec(),
                sha256: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
                sha384: "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e",
                sha512: "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58",
                truncate: None,
            },
        ]
    }

    fn cut(tag: &[u8], n: Option<usize>) -> String {
        to_hex(&tag[..n.unwrap_or(tag.len())])
    }

    #[test]
    fn rfc4231_all_cases() {
        for (i, c) in rfc4231().iter().enumerate() {
            let n = i + 1;
            assert_eq!(
                cut(&hmac_sha256(&c.key, &c.data), c.truncate),
                c.sha256,
                "case {n} sha256"
            );
            assert_eq!(
                cut(&hmac_sha384(&c.key, &c.data), c.truncate),
                c.sha384,
                "case {n} sha384"
            );
            assert_eq!(
                cut(&hmac_sha512(&c.key, &c.data), c.truncate),
                c.sha512,
                "case {n} sha512"
            );
        }
    }

    #[test]
    fn keyed_state_is_reusable_and_streaming() {
        let k = Hmac::<Sha256>::new(b"key");
        assert_eq!(k.mac(b"one"), hmac_sha256(b"key", b"one"));
        assert_eq!(k.mac(b"two"), hmac_sha256(b"key", b"two"));
        let mut s = k.clone();
        s.update(b"o");
        s.update(b"ne");
        assert_eq!(s.finalize(), hmac_sha256(b"key", b"one"));
        assert_eq!(format!("{k:?}"), "Hmac { .. }");
    }
}
