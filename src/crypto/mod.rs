//! From-scratch cryptography for authentication: hashes, MACs, encodings.
//!
//! Everything here is a small, spec-shaped reference implementation with no
//! I/O and no `unsafe`; names follow the specifications so the code can be
//! read side by side with them.
//!
//! | file | what | spec |
//! |---|---|---|
//! | [`sha256`](mod@sha256) | SHA-256, streaming | FIPS 180-4 §6.2 |
//! | [`sha512`](mod@sha512) | SHA-512 and SHA-384 | FIPS 180-4 §6.4, §6.5 |
//! | [`hmac`] | HMAC over any of them (one generic construction) | RFC 2104, RFC 4231 vectors |
//! | [`ct`] | constant-time equality for tags and hashes | — |
//! | [`base64`] | standard padded and URL-safe unpadded, strict | RFC 4648 §4, §5 |
//! | [`hex`] | lowercase hex out, either case in | RFC 4648 §8 |
//!
//! What this module must never do: compare secrets with `==`, print key
//! material from `Debug`, or panic on hostile bytes (decoders return errors;
//! the hashes accept any input). It has not been reviewed for side channels
//! beyond the tag comparison, and is meant for HMAC-based tokens and key
//! hashes in the gateway, not as a general-purpose crypto library.

/// One SHA-2 round (SHA-256 and SHA-512 alike: the word type and the Σ
/// functions in scope where it is used decide which), written for *renamed*
/// variables. The spec shifts the eight
/// working variables down each round (`h=g, g=f, ...`); instead we keep
/// them in place and rotate the *names* the next round is called with,
/// which is the same computation without the seven moves:
/// `d += T1` is the new `e`, and `h = T1 + T2` is the new `a`.
macro_rules! round {
    ($a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident, $k:expr, $w:expr) => {
        let t1 = $h
            .wrapping_add(big_sigma1($e))
            .wrapping_add(($e & $f) ^ (!$e & $g))
            .wrapping_add($k)
            .wrapping_add($w);
        let t2 = big_sigma0($a).wrapping_add(($a & $b) ^ ($a & $c) ^ ($b & $c));
        $d = $d.wrapping_add(t1);
        $h = t1.wrapping_add(t2);
    };
}

pub mod base64;
mod block;
pub mod ct;
pub mod hex;
pub mod hmac;
pub mod sha256;
pub mod sha512;

pub use ct::ct_eq;
pub use hex::{from_hex, to_hex};
pub use hmac::{hmac_sha256, hmac_sha384, hmac_sha512, Hmac};
pub use sha256::{sha256, Sha256};
pub use sha512::{sha384, sha512, Sha384, Sha512};
