//! Shared kit for the end-to-end tests: run the real `gatelite` binary on
//! port 0, mock upstreams on port 0 that record what they receive, and a
//! raw-bytes HTTP/1.1 client with a small response reader.
//!
//! Everything here is std only (DESIGN.md §1): the mock upstream is a thread
//! per connection in the tiny-http / hyper `tests/support` style. Tests never
//! synchronise with sleeps: they read the gateway's "listening on" line, wait
//! on condition variables with generous bounds, and use gates to hold an
//! upstream until the test lets it answer.

#![allow(dead_code)] // each test file uses a different part of the kit

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long any single wait in a test may take before it counts as a hang.
pub const WAIT: Duration = Duration::from_secs(10);

/// The gateway binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_gatelite")
}

// ---------------------------------------------------------------------------
// Temp files
// ---------------------------------------------------------------------------

/// A unique temporary directory, removed on drop.
pub struct TempDir {
    pub path: PathBuf,
}

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "gatelite-e2e-{tag}-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir { path }
    }

    /// Writes `name` in the directory and returns its path.
    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let p = self.path.join(name);
        std::fs::write(&p, contents).expect("write temp file");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

// ---------------------------------------------------------------------------
// The gateway process
// ---------------------------------------------------------------------------

/// A running `gatelite` child, killed on drop.
pub struct Gateway {
    child: Child,
    pub addr: SocketAddr,
    /// Every `listening on` address, in config order.
    pub addrs: Vec<SocketAddr>,
    pub dir: TempDir,
    stderr: Arc<Mutex<Vec<u8>>>,
    exited: Option<ExitStatus>,
}

impl Gateway {
    /// Starts the gateway with `config`; `listen 127.0.0.1:0;` is added in
    /// front unless the config has its own `listen`.
    pub fn start(config: &str) -> Gateway {
        let dir = TempDir::new("gw");
        Self::start_in(dir, config)
    }

    /// Like [`Gateway::start`], with files the test already put in `dir`.
    pub fn start_in(dir: TempDir, config: &str) -> Gateway {
        let text = if config.contains("listen ") {
            config.to_string()
        } else {
            format!("listen 127.0.0.1:0;\n{config}")
        };
        let listens = text.matches("listen ").count();
        let conf = dir.write("gateway.conf", &text);
        let mut child = Command::new(bin())
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn gatelite");
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let stderr_thread = {
            let mut err = child.stderr.take().expect("stderr");
            let sink = Arc::clone(&stderr);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = err.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    sink.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            })
        };
        let stdout = child.stdout.take().expect("stdout");
        let mut reader = BufReader::new(stdout);
        let mut addrs = Vec::new();
        for _ in 0..listens {
            let mut line = String::new();
            let n = reader.read_line(&mut line).expect("read gateway stdout");
            if n == 0 {
                let _ = child.wait();
                let _ = stderr_thread.join();
                panic!(
                    "gatelite exited before listening; config:\n{text}\nstderr:\n{}",
                    String::from_utf8_lossy(&stderr.lock().unwrap())
                );
            }
            let a = line
                .trim()
                .strip_prefix("gatelite: listening on ")
                .unwrap_or_else(|| panic!("unexpected first stdout line: {line:?}"));
            addrs.push(a.parse().expect("listen address"));
        }
        drain_stdout(reader);
        Gateway {
            child,
            addr: addrs[0],
            addrs,
            dir,
            stderr,
            exited: None,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A connection to the gateway with read/write timeouts set.
    pub fn connect(&self) -> Conn {
        Conn::connect(self.addr)
    }

    /// One request on a fresh connection; returns the response.
    pub fn request(&self, raw: &str) -> Resp {
        let mut c = self.connect();
        c.send(raw.as_bytes());
        c.read_response(raw.starts_with("HEAD "))
    }

    /// Resident set size of the gateway, in KiB (from /proc/PID/status).
    pub fn rss_kib(&self) -> u64 {
        rss_kib(self.pid())
    }

    /// Sends SIGTERM.
    pub fn sigterm(&self) {
        self.signal("TERM");
    }

    /// Sends SIGHUP.
    pub fn sighup(&self) {
        self.signal("HUP");
    }

    fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{name}"), &self.pid().to_string()])
            .status()
            .expect("run kill")
            .success();
        assert!(ok, "kill -{name} failed");
    }

    /// Waits (bounded) until stderr contains `needle`; false if it never did.
    pub fn wait_stderr(&self, needle: &str) -> bool {
        let start = Instant::now();
        while start.elapsed() < WAIT {
            if self.stderr().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10)); // polling a condition, bounded
        }
        false
    }

    /// Waits for the process to exit, at most `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        loop {
            if let Some(st) = self.child.try_wait().expect("try_wait") {
                self.exited = Some(st);
                return Some(st);
            }
            if start.elapsed() > limit {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10)); // polling a condition, bounded
        }
    }

    /// What the gateway wrote on stderr so far.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if self.exited.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn drain_stdout(mut reader: BufReader<ChildStdout>) {
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = reader.read_to_end(&mut sink);
    });
}

/// VmRSS of a process, in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS line")
}

/// Runs the binary with `args`; returns (exit code, stdout, stderr).
pub fn run_cli(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bin())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run gatelite");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Mints a token with `gatelite jwt sign`.
pub fn jwt_sign(secret: &str, alg: &str, claims: &str) -> String {
    let (code, out, err) = run_cli(&["jwt", "sign", "--secret", secret, "--alg", alg, claims]);
    assert_eq!(code, 0, "jwt sign failed: {err}");
    out.trim().to_string()
}

/// Seconds since the epoch.
pub fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

// ---------------------------------------------------------------------------
// Body patterns and checksums
// ---------------------------------------------------------------------------

/// The byte at `offset` of the test body pattern (not periodic on small
/// scales, so a dropped or duplicated block changes the checksum).
pub fn pattern_byte(offset: u64) -> u8 {
    (offset.wrapping_mul(31) ^ (offset >> 9).wrapping_mul(7)) as u8
}

/// `len` bytes of the pattern starting at `offset`.
pub fn pattern(offset: u64, len: usize) -> Vec<u8> {
    (0..len as u64).map(|i| pattern_byte(offset + i)).collect()
}

/// FNV-1a, streaming.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fnv(pub u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    pub fn update(&mut self, data: &[u8]) {
        for &b in data {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// The checksum of `len` pattern bytes.
pub fn pattern_sum(len: u64) -> u64 {
    let mut f = Fnv::default();
    let mut off = 0;
    while off < len {
        let n = (len - off).min(64 * 1024);
        f.update(&pattern(off, n as usize));
        off += n;
    }
    f.0
}

// ---------------------------------------------------------------------------
// Mock upstream
// ---------------------------------------------------------------------------

/// One request as the upstream received it.
#[derive(Clone, Debug, Default)]
pub struct Recorded {
    /// The raw head, request line to the blank line.
    pub head: Vec<u8>,
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    /// How the body was framed: "none", "length" or "chunked".
    pub framing: &'static str,
    pub body_len: u64,
    pub body_sum: u64,
    /// The body, when it is at most [`KEEP_BODY`] bytes.
    pub body: Vec<u8>,
    /// Which accepted connection (0-based) carried it.
    pub conn_index: usize,
}

/// Bodies up to this size are kept whole in [`Recorded::body`].
pub const KEEP_BODY: u64 = 64 * 1024;

impl Recorded {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// How many times header `name` appears.
    pub fn header_count(&self, name: &str) -> usize {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .count()
    }

    pub fn head_str(&self) -> String {
        String::from_utf8_lossy(&self.head).into_owned()
    }
}

/// How a reply's body is framed.
#[derive(Clone, Debug)]
pub enum Body {
    /// `Content-Length` (added unless the headers carry one).
    Length(Vec<u8>),
    /// `Transfer-Encoding: chunked`, these chunks.
    Chunked(Vec<Vec<u8>>),
    /// No framing header; the connection is closed after the body.
    UntilClose(Vec<u8>),
    /// `Content-Length: len` of the pattern, streamed.
    Pattern(u64),
    /// Nothing at all, not even `Content-Length` (204, 304, HEAD).
    Empty,
}

/// What the mock upstream does with a request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Answer.
    Send {
        status: u16,
        headers: Vec<(String, String)>,
        body: Body,
    },
    /// Write these bytes, then close.
    RawThenClose(Vec<u8>),
    /// Close without answering.
    Close,
}

impl Reply {
    /// `status` with a text body.
    pub fn text(status: u16, body: &str) -> Reply {
        Reply::Send {
            status,
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: Body::Length(body.as_bytes().to_vec()),
        }
    }

    /// 200 "ok".
    pub fn ok() -> Reply {
        Reply::text(200, "ok")
    }
}

type Handler = dyn Fn(&Recorded) -> Reply + Send + Sync;

#[derive(Default)]
pub struct UpstreamState {
    /// TCP connections accepted.
    pub connections: usize,
    pub requests: Vec<Recorded>,
}

/// A mock upstream server, stopped on drop.
pub struct Upstream {
    pub addr: SocketAddr,
    state: Arc<(Mutex<UpstreamState>, Condvar)>,
    stop: Arc<AtomicBool>,
}

impl Upstream {
    /// Answers every request with 200 "ok".
    pub fn ok() -> Upstream {
        Upstream::start(|_| Reply::ok())
    }

    /// Answers with `handler`; it runs after the request is recorded, so a
    /// test may wait for the request and then release a gate the handler
    /// waits on.
    pub fn start(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Upstream {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind upstream");
        let addr = listener.local_addr().unwrap();
        let state: Arc<(Mutex<UpstreamState>, Condvar)> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        {
            let state = Arc::clone(&state);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let index = {
                        let mut s = state.0.lock().unwrap();
                        s.connections += 1;
                        state.1.notify_all();
                        s.connections - 1
                    };
                    let state = Arc::clone(&state);
                    let handler = Arc::clone(&handler);
                    std::thread::spawn(move || {
                        let _ = serve_upstream_conn(stream, index, &state, &*handler);
                    });
                }
            });
        }
        Upstream { addr, state, stop }
    }

    /// `127.0.0.1:PORT`.
    pub fn hostport(&self) -> String {
        self.addr.to_string()
    }

    pub fn connections(&self) -> usize {
        self.state.0.lock().unwrap().connections
    }

    pub fn request_count(&self) -> usize {
        self.state.0.lock().unwrap().requests.len()
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.0.lock().unwrap().requests.clone()
    }

    /// The last request received.
    pub fn last(&self) -> Recorded {
        self.requests()
            .pop()
            .expect("the upstream received no request")
    }

    /// Waits until at least `n` requests arrived (panics after [`WAIT`]).
    pub fn wait_requests(&self, n: usize) {
        let (lock, cv) = &*self.state;
        let guard = lock.lock().unwrap();
        let (guard, res) = cv
            .wait_timeout_while(guard, WAIT, |s| s.requests.len() < n)
            .unwrap();
        assert!(
            !res.timed_out(),
            "upstream got {} requests, waited for {n}",
            guard.requests.len()
        );
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
    }
}

/// A gate a handler waits on until the test opens it.
#[derive(Clone, Default)]
pub struct Gate(Arc<(Mutex<bool>, Condvar)>);

impl Gate {
    pub fn new() -> Gate {
        Gate::default()
    }

    pub fn open(&self) {
        *self.0 .0.lock().unwrap() = true;
        self.0 .1.notify_all();
    }

    /// Waits until open (at most a minute, so a failed test cannot hang).
    pub fn wait(&self) {
        let g = self.0 .0.lock().unwrap();
        let _ = self
            .0
             .1
            .wait_timeout_while(g, Duration::from_secs(60), |open| !*open)
            .unwrap();
    }
}

fn serve_upstream_conn(
    stream: TcpStream,
    index: usize,
    state: &(Mutex<UpstreamState>, Condvar),
    handler: &Handler,
) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.set_write_timeout(Some(Duration::from_secs(30)))?;
    stream.set_nodelay(true)?;
    let mut r = Reader::new(stream.try_clone()?);
    let mut w = stream;
    loop {
        let Some(head) = r.read_head()? else {
            return Ok(());
        };
        let mut rec = parse_request_head(&head);
        rec.conn_index = index;
        let te = rec.header("transfer-encoding").map(str::to_ascii_lowercase);
        let cl = rec
            .header("content-length")
            .and_then(|v| v.parse::<u64>().ok());
        let mut sum = Fnv::default();
        let mut keep = Vec::new();
        let mut len = 0u64;
        let mut sink = |data: &[u8]| {
            sum.update(data);
            if len + data.len() as u64 <= KEEP_BODY {
                keep.extend_from_slice(data);
            }
            len += data.len() as u64;
        };
        rec.framing = if te.is_some_and(|t| t.ends_with("chunked")) {
            r.read_chunked(&mut sink)?;
            "chunked"
        } else if let Some(n) = cl {
            r.read_exact_to(n, &mut sink)?;
            "length"
        } else {
            "none"
        };
        rec.body_len = len;
        rec.body_sum = sum.0;
        rec.body = keep;
        let client_close = rec
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let head_only = rec.method == "HEAD";
        {
            let mut s = state.0.lock().unwrap();
            s.requests.push(rec.clone());
            state.1.notify_all();
        }
        match handler(&rec) {
            Reply::Close => {
                let _ = w.shutdown(Shutdown::Both);
                return Ok(());
            }
            Reply::RawThenClose(bytes) => {
                w.write_all(&bytes)?;
                w.flush()?;
                let _ = w.shutdown(Shutdown::Both);
                return Ok(());
            }
            Reply::Send {
                status,
                headers,
                body,
            } => {
                let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status));
                for (n, v) in &headers {
                    out.push_str(&format!("{n}: {v}\r\n"));
                }
                let has = |n: &str| headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(n));
                let until_close = matches!(body, Body::UntilClose(_));
                match &body {
                    Body::Length(b) if !has("content-length") => {
                        out.push_str(&format!("Content-Length: {}\r\n", b.len()))
                    }
                    Body::Pattern(n) => out.push_str(&format!("Content-Length: {n}\r\n")),
                    Body::Chunked(_) => out.push_str("Transfer-Encoding: chunked\r\n"),
                    Body::UntilClose(_) => out.push_str("Connection: close\r\n"),
                    _ => {}
                }
                out.push_str("\r\n");
                w.write_all(out.as_bytes())?;
                if !head_only {
                    match body {
                        Body::Length(b) | Body::UntilClose(b) => w.write_all(&b)?,
                        Body::Chunked(chunks) => {
                            for c in chunks {
                                write!(w, "{:x}\r\n", c.len())?;
                                w.write_all(&c)?;
                                w.write_all(b"\r\n")?;
                            }
                            w.write_all(b"0\r\n\r\n")?;
                        }
                        Body::Pattern(n) => {
                            let mut off = 0;
                            while off < n {
                                let k = (n - off).min(64 * 1024);
                                w.write_all(&pattern(off, k as usize))?;
                                off += k;
                            }
                        }
                        Body::Empty => {}
                    }
                }
                w.flush()?;
                if until_close || client_close {
                    let _ = w.shutdown(Shutdown::Both);
                    return Ok(());
                }
            }
        }
    }
}

fn parse_request_head(head: &[u8]) -> Recorded {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let first = lines.next().unwrap_or("");
    let mut parts = first.split(' ');
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    let headers = lines
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.to_string(), v.trim().to_string()))
        .collect();
    Recorded {
        head: head.to_vec(),
        method,
        target,
        headers,
        ..Recorded::default()
    }
}

pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        304 => "Not Modified",
        400 => "Bad Request",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Whatever",
    }
}

// ---------------------------------------------------------------------------
// A buffered byte reader for both sides
// ---------------------------------------------------------------------------

/// A socket plus the bytes read from it and not yet used.
pub struct Reader {
    pub stream: TcpStream,
    pub buf: Vec<u8>,
}

impl Reader {
    pub fn new(stream: TcpStream) -> Reader {
        Reader {
            stream,
            buf: Vec::new(),
        }
    }

    /// Reads more; Ok(0) at EOF. `EINTR` (a read with a timeout, on a
    /// process that was stopped and resumed) is retried, not a failure.
    fn fill(&mut self) -> io::Result<usize> {
        let mut tmp = [0u8; 64 * 1024];
        let n = loop {
            match self.stream.read(&mut tmp) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                r => break r?,
            }
        };
        self.buf.extend_from_slice(&tmp[..n]);
        Ok(n)
    }

    /// The bytes up to and including the next CRLFCRLF; None on a clean EOF
    /// before any byte.
    pub fn read_head(&mut self) -> io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                let head: Vec<u8> = self.buf.drain(..i + 4).collect();
                return Ok(Some(head));
            }
            if self.fill()? == 0 {
                if self.buf.is_empty() {
                    return Ok(None);
                }
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "EOF inside a head",
                ));
            }
        }
    }

    /// One CRLF-terminated line, without the CRLF.
    fn read_line(&mut self) -> io::Result<Vec<u8>> {
        loop {
            if let Some(i) = find(&self.buf, b"\r\n") {
                let mut line: Vec<u8> = self.buf.drain(..i + 2).collect();
                line.truncate(i);
                return Ok(line);
            }
            if self.fill()? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
    }

    /// Exactly `n` bytes, handed to `sink` piece by piece.
    pub fn read_exact_to(&mut self, mut n: u64, sink: &mut dyn FnMut(&[u8])) -> io::Result<()> {
        while n > 0 {
            if self.buf.is_empty() && self.fill()? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let k = (self.buf.len() as u64).min(n) as usize;
            sink(&self.buf[..k]);
            self.buf.drain(..k);
            n -= k as u64;
        }
        Ok(())
    }

    /// A chunked body (with trailers), decoded into `sink`.
    pub fn read_chunked(&mut self, sink: &mut dyn FnMut(&[u8])) -> io::Result<()> {
        loop {
            let line = self.read_line()?;
            let line = String::from_utf8_lossy(&line);
            let size = line.split(';').next().unwrap_or("").trim();
            let size = u64::from_str_radix(size, 16)
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
            if size == 0 {
                // Trailers until the empty line.
                while !self.read_line()?.is_empty() {}
                return Ok(());
            }
            self.read_exact_to(size, sink)?;
            if !self.read_line()?.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "chunk without CRLF",
                ));
            }
        }
    }

    /// Everything until EOF.
    pub fn read_to_eof(&mut self, sink: &mut dyn FnMut(&[u8])) -> io::Result<()> {
        loop {
            if !self.buf.is_empty() {
                sink(&self.buf);
                self.buf.clear();
            }
            if self.fill()? == 0 {
                return Ok(());
            }
        }
    }
}

pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

// ---------------------------------------------------------------------------
// The test client
// ---------------------------------------------------------------------------

/// A parsed response.
#[derive(Clone, Debug)]
pub struct Resp {
    pub version: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// "none", "length", "chunked" or "close".
    pub framing: &'static str,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn has_header(&self, name: &str) -> bool {
        self.header(name).is_some()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Asserts the body is a gateway JSON error with this `error` code and
    /// the other two fields.
    pub fn assert_json_error(&self, code: &str) {
        let t = self.text();
        assert_eq!(
            self.header("content-type")
                .map(|v| v.starts_with("application/json")),
            Some(true),
            "error body must be JSON: {self:?}"
        );
        assert!(
            t.contains(&format!("\"error\":\"{code}\"")),
            "expected error code {code}: {t}"
        );
        assert!(t.contains("\"message\":"), "no message: {t}");
        assert!(t.contains("\"request_id\":"), "no request_id: {t}");
    }
}

/// A client connection to the gateway.
pub struct Conn {
    pub r: Reader,
}

impl Conn {
    pub fn connect(addr: SocketAddr) -> Conn {
        let s = TcpStream::connect_timeout(&addr, WAIT).expect("connect to gateway");
        s.set_read_timeout(Some(WAIT)).unwrap();
        s.set_write_timeout(Some(WAIT)).unwrap();
        let _ = s.set_nodelay(true);
        Conn { r: Reader::new(s) }
    }

    pub fn stream(&self) -> &TcpStream {
        &self.r.stream
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.r.stream.write_all(bytes).expect("write to gateway");
    }

    /// Like `send`, but a refused write (the gateway already closed) is fine.
    pub fn try_send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.r.stream.write_all(bytes)
    }

    /// Reads one response (a 1xx counts as one); panics on error.
    pub fn read_response(&mut self, head_request: bool) -> Resp {
        self.try_read_response(head_request)
            .unwrap_or_else(|e| panic!("reading a response failed: {e}"))
    }

    pub fn try_read_response(&mut self, head_request: bool) -> io::Result<Resp> {
        let head = self
            .r
            .read_head()?
            .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "closed, no response"))?;
        let text = String::from_utf8_lossy(&head).into_owned();
        let mut lines = text.split("\r\n");
        let status_line = lines.next().unwrap_or("");
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or("").to_string();
        let status: u16 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, text.clone()))?;
        let headers: Vec<(String, String)> = lines
            .filter(|l| !l.is_empty())
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.to_string(), v.trim().to_string()))
            .collect();
        let mut resp = Resp {
            version,
            status,
            headers,
            body: Vec::new(),
            framing: "none",
        };
        let mut body = Vec::new();
        let mut sink = |d: &[u8]| body.extend_from_slice(d);
        if head_request || (100..200).contains(&status) || status == 204 || status == 304 {
            // no body
        } else if resp
            .header("transfer-encoding")
            .is_some_and(|t| t.to_ascii_lowercase().ends_with("chunked"))
        {
            self.r.read_chunked(&mut sink)?;
            resp.framing = "chunked";
        } else if let Some(n) = resp.header("content-length") {
            let n: u64 = n
                .parse()
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad CL"))?;
            self.r.read_exact_to(n, &mut sink)?;
            resp.framing = "length";
        } else {
            self.r.read_to_eof(&mut sink)?;
            resp.framing = "close";
        }
        resp.body = body;
        Ok(resp)
    }

    /// Waits for the gateway to close: true when EOF (or a reset) arrives
    /// within `limit` and no further bytes came first.
    pub fn closed_within(&mut self, limit: Duration) -> Closed {
        self.r.stream.set_read_timeout(Some(limit)).unwrap();
        let mut tmp = [0u8; 4096];
        let read = loop {
            match self.r.stream.read(&mut tmp) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                r => break r,
            }
        };
        let result = match read {
            Ok(0) if self.r.buf.is_empty() => Closed::Eof,
            Ok(0) => Closed::Data(std::mem::take(&mut self.r.buf)),
            Ok(n) => {
                let mut d = std::mem::take(&mut self.r.buf);
                d.extend_from_slice(&tmp[..n]);
                Closed::Data(d)
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Closed::StillOpen
            }
            Err(_) => Closed::Eof, // reset
        };
        self.r.stream.set_read_timeout(Some(WAIT)).unwrap();
        result
    }
}

/// What [`Conn::closed_within`] saw.
#[derive(Debug, PartialEq, Eq)]
pub enum Closed {
    Eof,
    StillOpen,
    Data(Vec<u8>),
}

/// A config with one upstream `u` at `up` and `route_body` in route `r`.
pub fn proxy_config(up: &Upstream, extra_upstream: &str, route_body: &str) -> String {
    format!(
        "workers 4;\nupstream u {{ server {}; keepalive 8; {extra_upstream} }}\n\
         route r {{ {route_body} upstream u; }}\n",
        up.hostport()
    )
}

/// Writes an htpasswd line `user:{SHA256}base64(sha256(password))`.
pub fn htpasswd_line(user: &str, password: &str) -> String {
    let digest = gatelite::crypto::sha256::sha256(password.as_bytes());
    format!(
        "{user}:{{SHA256}}{}",
        gatelite::crypto::base64::encode(&digest)
    )
}

/// Hex sha256 (api_key keys are stored as hashes).
pub fn sha256_hex(data: &[u8]) -> String {
    gatelite::crypto::sha256::sha256(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Path for use in a config file.
pub fn path_str(p: &Path) -> String {
    p.display().to_string()
}
