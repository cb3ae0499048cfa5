//! Block buffering shared by the Merkle–Damgård hashes (SHA-256, SHA-512).
//!
//! FIPS 180-4 hashes consume their message in fixed-size blocks (64 bytes for
//! SHA-256, 128 for SHA-512). `update` may be called with any number of bytes,
//! so a partial block is kept here until it fills up. `finish` applies the
//! §5.1 padding: one `1` bit (the byte `0x80`), zero bytes until the length
//! field fits at the end of a block, then the message length in bits,
//! big-endian (8 bytes for SHA-256, 16 bytes for SHA-512).
//!
//! Invariant: `len < N` between calls, so the buffer always has room for at
//! least one byte; every access below goes through `get`/`get_mut` anyway.

/// A partial block of `N` bytes and how many of them are filled.
#[derive(Clone)]
pub(crate) struct BlockBuffer<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> BlockBuffer<N> {
    /// An empty buffer.
    pub(crate) const fn new() -> Self {
        BlockBuffer {
            buf: [0u8; N],
            len: 0,
        }
    }

    /// Feeds `data`, calling `compress` for every complete block.
    pub(crate) fn feed(&mut self, mut data: &[u8], mut compress: impl FnMut(&[u8; N])) {
        if self.len > 0 {
            let free = self.buf.get_mut(self.len..).unwrap_or_default();
            let take = free.len().min(data.len());
            let Some((head, rest)) = data.split_at_checked(take) else {
                return;
            };
            if let Some(dst) = free.get_mut(..take) {
                dst.copy_from_slice(head);
            }
            self.len += take;
            data = rest;
            if self.len < N {
                return;
            }
            compress(&self.buf);
            self.len = 0;
        }
        let mut blocks = data.chunks_exact(N);
        for chunk in &mut blocks {
            if let Ok(block) = <&[u8; N]>::try_from(chunk) {
                compress(block);
            }
        }
        let tail = blocks.remainder();
        if let Some(dst) = self.buf.get_mut(..tail.len()) {
            dst.copy_from_slice(tail);
            self.len = tail.len();
        }
    }

    /// Applies the FIPS 180-4 §5.1 padding with the big-endian bit length
    /// `length_be` (8 or 16 bytes) and compresses the last block(s).
    pub(crate) fn finish(&mut self, length_be: &[u8], mut compress: impl FnMut(&[u8; N])) {
        let len_field = length_be.len();
        if let Some(b) = self.buf.get_mut(self.len) {
            *b = 0x80;
        }
        self.len += 1;
        if self.len > N - len_field {
            // No room for the length: zero-fill, compress, start a fresh block.
            self.buf.iter_mut().skip(self.len).for_each(|b| *b = 0);
            compress(&self.buf);
            self.len = 0;
        }
        self.buf
            .iter_mut()
            .skip(self.len)
            .take(N - len_field - self.len)
            .for_each(|b| *b = 0);
        if let Some(dst) = self.buf.get_mut(N - len_field..) {
            dst.copy_from_slice(length_be);
        }
        compress(&self.buf);
        self.len = 0;
    }
}
