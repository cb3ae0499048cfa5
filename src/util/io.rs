//! Two small I/O helpers for the hot path.
//!
//! [`ReadBuf`] is a read buffer that is allocated and zero-filled once and
//! then reused: a worker keeps one for its whole life, so reading a request
//! costs no allocation and no `memset`. Data lives in `data[start..end]`;
//! consuming bytes moves `start` (no `memmove` per request), and the filled
//! part is moved to the front only when the free space at the end runs out.
//! It grows (doubling) up to a maximum, for the rare head that needs it.
//!
//! [`write_all_vectored`] writes several slices with `writev(2)` until all
//! bytes are out, so a response head and the first piece of its body go in
//! one syscall without first being copied into one buffer.

use std::io::{self, IoSlice, Read, Write};

/// A reusable read buffer; see the module doc.
#[derive(Debug, Default)]
pub struct ReadBuf {
    data: Vec<u8>,
    start: usize,
    end: usize,
    max: usize,
}

impl ReadBuf {
    /// A buffer of `initial` bytes that may grow to `max`.
    pub fn new(initial: usize, max: usize) -> Self {
        ReadBuf {
            data: vec![0; initial],
            start: 0,
            end: 0,
            max: max.max(initial),
        }
    }

    /// Changes how far the buffer may grow (limits can change on reload).
    pub fn set_max(&mut self, max: usize) {
        self.max = max.max(1);
    }

    /// The bytes read and not yet consumed.
    pub fn filled(&self) -> &[u8] {
        self.data.get(self.start..self.end).unwrap_or_default()
    }

    /// How many bytes are filled.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// True when nothing is filled.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Marks the first `n` filled bytes as used.
    pub fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Forgets every filled byte.
    pub fn clear(&mut self) {
        self.start = 0;
        self.end = 0;
    }

    /// Appends bytes (used to hand a connection's leftovers back in).
    pub fn extend_from_slice(&mut self, bytes: &[u8]) {
        self.make_room(bytes.len());
        if let Some(slot) = self.data.get_mut(self.end..self.end + bytes.len()) {
            slot.copy_from_slice(bytes);
            self.end += bytes.len();
        }
    }

    /// Shrinks back to `initial` bytes when a rare request made it grow.
    pub fn shrink_to(&mut self, initial: usize) {
        if self.data.len() > initial && self.len() <= initial {
            let kept = self.filled().to_vec();
            self.data = vec![0; initial];
            self.clear();
            self.extend_from_slice(&kept);
        }
    }

    /// Moves the filled bytes to the front of the buffer.
    fn compact(&mut self) {
        if self.start > 0 {
            self.data.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
    }

    /// Ensures `extra` free bytes after `end` (may exceed `max`: the bytes
    /// are already in memory elsewhere).
    fn make_room(&mut self, extra: usize) {
        if self.data.len() - self.end >= extra {
            return;
        }
        self.compact();
        let need = self.end + extra;
        if self.data.len() < need {
            self.data.resize(need.max(self.data.len() * 2), 0);
        }
    }

    /// One `read` into the free space. `Ok(0)` is end of stream; a buffer
    /// already at its maximum and full is an error (the caller's limits
    /// should have refused the message earlier). A read interrupted by a
    /// signal (`EINTR`) is retried: on Linux a read with a timeout can fail
    /// that way after the process was merely stopped and resumed.
    pub fn read_from(&mut self, r: &mut impl Read) -> io::Result<usize> {
        if self.end == self.data.len() {
            if self.start > 0 {
                self.compact();
            } else if self.data.len() < self.max {
                let grown = (self.data.len() * 2).clamp(1, self.max);
                self.data.resize(grown, 0);
            } else {
                return Err(io::Error::other("read buffer full"));
            }
        }
        loop {
            match r.read(self.data.get_mut(self.end..).unwrap_or_default()) {
                Ok(n) => {
                    self.end += n;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

/// Reads the whole file at `path`, refusing one of more than `max` bytes
/// (`io::ErrorKind::FileTooLarge`) without reading past `max + 1`, so a
/// path to `/dev/zero` or a huge log named by mistake costs `max` bytes,
/// not all memory. A directory is an error too.
pub fn read_file_bounded(path: &std::path::Path, max: usize) -> io::Result<Vec<u8>> {
    let f = std::fs::File::open(path)?;
    if f.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(io::Error::other("it is a directory: expected a file"));
    }
    let mut bytes = Vec::new();
    f.take(max as u64 + 1).read_to_end(&mut bytes)?;
    if bytes.len() > max {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("it is larger than {max} bytes"),
        ));
    }
    Ok(bytes)
}

/// Writes every byte of every slice, with as few `writev` calls as the
/// socket allows.
pub fn write_all_vectored(w: &mut impl Write, mut bufs: &mut [IoSlice<'_>]) -> io::Result<()> {
    IoSlice::advance_slices(&mut bufs, 0);
    while !bufs.is_empty() {
        match w.write_vectored(bufs) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "failed to write whole buffer",
                ))
            }
            Ok(n) => IoSlice::advance_slices(&mut bufs, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consume_compact_and_grow() {
        let mut b = ReadBuf::new(8, 32);
        let mut src: &[u8] = b"hello world, this is long";
        assert_eq!(b.read_from(&mut src).unwrap(), 8);
        assert_eq!(b.filled(), b"hello wo");
        b.consume(6);
        assert_eq!(b.filled(), b"wo");
        // Full at the end: compacts and grows, keeping the filled bytes.
        let n = b.read_from(&mut src).unwrap();
        assert!(n > 0);
        assert!(b.filled().starts_with(b"world"));
        while b.read_from(&mut src).unwrap() > 0 {}
        assert_eq!(b.filled(), b"world, this is long");
        b.consume(100);
        assert!(b.is_empty());
    }

    #[test]
    fn full_at_max_is_an_error() {
        let mut b = ReadBuf::new(4, 4);
        let mut src: &[u8] = b"abcdefgh";
        assert_eq!(b.read_from(&mut src).unwrap(), 4);
        assert!(b.read_from(&mut src).is_err());
    }

    #[test]
    fn extend_and_shrink() {
        let mut b = ReadBuf::new(4, 1024);
        b.extend_from_slice(b"0123456789");
        assert_eq!(b.filled(), b"0123456789");
        b.consume(8);
        b.shrink_to(4);
        assert_eq!(b.filled(), b"89");
    }

    /// A reader that is interrupted once, then yields its bytes.
    struct Flaky(bool, &'static [u8]);

    impl Read for Flaky {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if std::mem::replace(&mut self.0, false) {
                return Err(io::Error::from(io::ErrorKind::Interrupted));
            }
            self.1.read(buf)
        }
    }

    #[test]
    fn interrupted_reads_are_retried() {
        let mut b = ReadBuf::new(16, 16);
        assert_eq!(b.read_from(&mut Flaky(true, b"abc")).unwrap(), 3);
        assert_eq!(b.filled(), b"abc");
    }

    #[test]
    fn bounded_file_reads() {
        let dir = std::env::temp_dir();
        let p = dir.join(format!("gatelite-read-bounded-{}", std::process::id()));
        std::fs::write(&p, b"12345").unwrap();
        assert_eq!(read_file_bounded(&p, 5).unwrap(), b"12345");
        let e = read_file_bounded(&p, 4).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
        std::fs::remove_file(&p).unwrap();
        assert!(read_file_bounded(&dir, 1 << 20).is_err());
        assert!(read_file_bounded(std::path::Path::new("/dev/zero"), 1024).is_err());
    }

    #[test]
    fn vectored_writes_everything() {
        let mut out = Vec::new();
        let mut slices = [
            IoSlice::new(b"head "),
            IoSlice::new(b""),
            IoSlice::new(b"body"),
        ];
        write_all_vectored(&mut out, &mut slices).unwrap();
        assert_eq!(out, b"head body");
    }
}
