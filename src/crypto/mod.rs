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
///
/// `Ch` and `Maj` are computed in equivalent forms with one operation
/// fewer each (the round is a long dependency chain, so every operation
/// counts): `Ch(e,f,g) = (e & f) ^ (!e & g) = g ^ (e & (f ^ g))` picks `f`
/// where `e` has a 1 and `g` elsewhere; `Maj(a,b,c) = (a & b) | (c & (a | b))`
/// is 1 where at least two of the three are.
macro_rules! round {
    ($a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident, $k:expr, $w:expr) => {
        let t1 = $h
            .wrapping_add(big_sigma1($e))
            .wrapping_add($g ^ ($e & ($f ^ $g)))
            .wrapping_add($k)
            .wrapping_add($w);
        let t2 = big_sigma0($a).wrapping_add(($a & $b) | ($c & ($a | $b)));
        $d = $d.wrapping_add(t1);
        $h = t1.wrapping_add(t2);
    };
}

/// Message word `W[t]` for the first sixteen rounds: the block itself
/// (`$j = t`).
macro_rules! message_word {
    ($w:ident, $j:expr) => {
        $w[$j]
    };
}

/// Message word `W[t]` for `t >= 16` (FIPS 180-4 §6.2.2 step 1, §6.4.2
/// step 1): `σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16]`. The schedule is a
/// 16-word window, `W[t]` lives in `w[t % 16]` (`$j`) and overwrites
/// `W[t-16]`, which no later word needs.
macro_rules! schedule_word {
    ($w:ident, $j:expr) => {{
        let next = small_sigma1($w[($j + 14) % 16])
            .wrapping_add($w[($j + 9) % 16])
            .wrapping_add(small_sigma0($w[($j + 1) % 16]))
            .wrapping_add($w[$j]);
        $w[$j] = next;
        next
    }};
}

/// Sixteen rounds `t0..t0+16`, each taking its message word from `$word`
/// ([`message_word`] for the first sixteen, [`schedule_word`] after).
/// Written out in full so that every index is a constant and each word is
/// computed just before the round that uses it: the schedule's work then
/// overlaps the rounds' long dependency chain instead of waiting for it,
/// which measured about 30% faster than a loop filling the window first.
macro_rules! sixteen_rounds {
    ($word:ident, $w:ident, $k:ident, $t0:expr, $a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident) => {
        round!($a, $b, $c, $d, $e, $f, $g, $h, $k[$t0], $word!($w, 0));
        round!($h, $a, $b, $c, $d, $e, $f, $g, $k[$t0 + 1], $word!($w, 1));
        round!($g, $h, $a, $b, $c, $d, $e, $f, $k[$t0 + 2], $word!($w, 2));
        round!($f, $g, $h, $a, $b, $c, $d, $e, $k[$t0 + 3], $word!($w, 3));
        round!($e, $f, $g, $h, $a, $b, $c, $d, $k[$t0 + 4], $word!($w, 4));
        round!($d, $e, $f, $g, $h, $a, $b, $c, $k[$t0 + 5], $word!($w, 5));
        round!($c, $d, $e, $f, $g, $h, $a, $b, $k[$t0 + 6], $word!($w, 6));
        round!($b, $c, $d, $e, $f, $g, $h, $a, $k[$t0 + 7], $word!($w, 7));
        round!($a, $b, $c, $d, $e, $f, $g, $h, $k[$t0 + 8], $word!($w, 8));
        round!($h, $a, $b, $c, $d, $e, $f, $g, $k[$t0 + 9], $word!($w, 9));
        round!($g, $h, $a, $b, $c, $d, $e, $f, $k[$t0 + 10], $word!($w, 10));
        round!($f, $g, $h, $a, $b, $c, $d, $e, $k[$t0 + 11], $word!($w, 11));
        round!($e, $f, $g, $h, $a, $b, $c, $d, $k[$t0 + 12], $word!($w, 12));
        round!($d, $e, $f, $g, $h, $a, $b, $c, $k[$t0 + 13], $word!($w, 13));
        round!($c, $d, $e, $f, $g, $h, $a, $b, $k[$t0 + 14], $word!($w, 14));
        round!($b, $c, $d, $e, $f, $g, $h, $a, $k[$t0 + 15], $word!($w, 15));
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
