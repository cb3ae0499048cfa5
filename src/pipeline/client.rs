//! The client's side of one exchange: its socket, the bytes already read
//! from it, and the streaming of its request body.
//!
//! The connection's read buffer is shared with the server's keep-alive loop:
//! whatever follows the current request (a pipelined next request) must stay
//! in it, so the body reader consumes exactly the body and not a byte more.

use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream};

use crate::http::{BodyDecoder, BodyKind, ParseError};
use crate::util::io::ReadBuf;

/// The client connection as one exchange sees it.
#[derive(Debug)]
pub struct Client<'a> {
    /// The socket (blocking; its read timeout is the client header timeout,
    /// which also bounds each wait for request body bytes).
    pub stream: &'a TcpStream,
    /// Bytes read from the socket and not yet consumed (the worker's buffer).
    pub buf: &'a mut ReadBuf,
    /// The peer's address.
    pub peer: SocketAddr,
}

impl Client<'_> {
    /// Writes all of `bytes`.
    pub fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Reads more bytes into the buffer; 0 means the client closed.
    pub fn fill(&mut self) -> io::Result<usize> {
        let mut stream = self.stream;
        self.buf.read_from(&mut stream)
    }
}

/// Why reading a request body stopped.
#[derive(Debug)]
pub enum BodyError {
    /// The body broke a framing rule or a limit (400/413).
    Invalid(ParseError),
    /// The client went away or stalled past the timeout.
    Io(io::Error),
}

/// Streams a request body out of the client connection, decoded.
#[derive(Debug)]
pub struct BodyReader {
    decoder: BodyDecoder,
    continue_pending: bool,
}

impl BodyReader {
    /// A reader for a body framed as `kind`; `expect_continue` makes the
    /// first read send `100 Continue` (we read the body, so we ask for it).
    pub fn new(kind: BodyKind, max_body: u64, expect_continue: bool) -> Self {
        BodyReader {
            decoder: BodyDecoder::new(kind, max_body),
            continue_pending: expect_continue && kind != BodyKind::None,
        }
    }

    /// True once the whole body has been read.
    pub fn is_done(&self) -> bool {
        self.decoder.is_done()
    }

    /// Appends the next piece of decoded body to `out`; `Ok(false)` when the
    /// body is complete (then `out` got nothing).
    pub fn next(&mut self, client: &mut Client<'_>, out: &mut Vec<u8>) -> Result<bool, BodyError> {
        loop {
            if self.decoder.is_done() {
                return Ok(false);
            }
            if !client.buf.is_empty() {
                let before = out.len();
                let p = self
                    .decoder
                    .decode(client.buf.filled(), out)
                    .map_err(BodyError::Invalid)?;
                client.buf.consume(p.consumed);
                if out.len() > before {
                    return Ok(true);
                }
                if p.done {
                    return Ok(false);
                }
                if p.consumed > 0 {
                    continue;
                }
            }
            if self.continue_pending {
                self.continue_pending = false;
                client
                    .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                    .map_err(BodyError::Io)?;
            }
            match client.fill() {
                Ok(0) => {
                    return match self.decoder.finish_at_eof() {
                        Ok(()) => Ok(false),
                        Err(e) => Err(BodyError::Invalid(e)),
                    }
                }
                Ok(_) => {}
                Err(e) => return Err(BodyError::Io(e)),
            }
        }
    }

    /// Reads and throws away the rest of the body, at most `max` bytes more;
    /// false when it could not (then the connection must close).
    pub fn discard(&mut self, client: &mut Client<'_>, max: u64) -> bool {
        if self.continue_pending {
            // The client has not sent the body and waits for our word; the
            // answer we gave instead means it never will. Closing is simpler
            // than guessing.
            return self.decoder.is_done();
        }
        let mut sink = Vec::new();
        let start = self.decoder.decoded_total();
        loop {
            sink.clear();
            match self.next(client, &mut sink) {
                Ok(false) => return true,
                Ok(true) if self.decoder.decoded_total() - start <= max => {}
                _ => return false,
            }
        }
    }
}
