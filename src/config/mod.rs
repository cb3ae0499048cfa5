//! The config language of DESIGN.md §4, in three passes:
//!
//! 1. [`lexer`]: text -> tokens with `line:col`;
//! 2. [`parse`]: tokens -> a tree of directives (the AST), still untyped;
//! 3. [`build`]: AST -> [`Config`], typed and validated: sizes, durations and
//!    addresses parsed, `env:NAME` read, references between blocks checked,
//!    unknown directives and unknown `key=` options rejected.
//!
//! The result is plain data (*specs*): this module knows no runtime types, so
//! it can be tested without sockets, and a reload is "load, build the runtime
//! from the specs, swap". Every error is one line, `file:line:col: what was
//! expected`, the way compilers report them, so editors can jump to it.
//!
//! Limits: the file is read through [`read_text`], at most
//! [`lexer::MAX_CONFIG_BYTES`] and UTF-8 only; words are at most
//! [`lexer::MAX_TOKEN_CHARS`], blocks nest at most [`parse::MAX_NESTING`]
//! deep, durations are at most [`MAX_DURATION`]. No I/O happens here
//! beyond reading the file and resolving `server` host names.

pub mod build;
pub mod lexer;
pub mod parse;
mod values;

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use crate::util::io::read_file_bounded;

pub use values::{parse_duration, parse_size, MAX_DURATION};

/// A position in the config file (1-based).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pos {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters (not bytes) from 1; a tab counts as one, as in
    /// rustc's messages, so `é` or a tab before a token moves it by one.
    pub col: usize,
}

/// A value with the place it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub pos: Pos,
}

/// One config error: `file:line:col: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The file, as it was named on the command line.
    pub file: String,
    /// Where.
    pub pos: Pos,
    /// What was expected.
    pub message: String,
}

impl ConfigError {
    /// An error at `pos` of `file`.
    pub fn new(file: &str, pos: Pos, message: impl Into<String>) -> Self {
        ConfigError {
            file: file.to_string(),
            pos,
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.pos.line, self.pos.col, self.message
        )
    }
}

impl std::error::Error for ConfigError {}

/// The whole, validated config.
#[derive(Clone, Debug)]
pub struct Config {
    /// The file it came from, as named.
    pub file: String,
    /// `listen` addresses, in file order.
    pub listen: Vec<SocketAddr>,
    /// `workers`: worker threads.
    pub workers: usize,
    /// `queue`: connections with bytes to read that may wait for a worker.
    pub queue: usize,
    /// `timeouts header= idle=`.
    pub client_timeouts: ClientTimeouts,
    /// `limits header= body= uri=`.
    pub limits: LimitsSpec,
    /// `upstream` blocks, in file order.
    pub upstreams: Vec<UpstreamSpec>,
    /// `route` blocks, in file order.
    pub routes: Vec<RouteSpec>,
}

/// Client-side timeouts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientTimeouts {
    /// The whole request head must arrive within this (also the per-read
    /// timeout while a request body streams in).
    pub header: Duration,
    /// An idle keep-alive connection is closed after this.
    pub idle: Duration,
}

/// Size limits on what clients send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LimitsSpec {
    /// Request line + headers, bytes (-> 431).
    pub header: usize,
    /// Request body, bytes (-> 413).
    pub body: u64,
    /// Request target, bytes (-> 414).
    pub uri: usize,
}

/// An `upstream NAME { ... }` block.
#[derive(Clone, Debug)]
pub struct UpstreamSpec {
    /// Its name.
    pub name: String,
    /// Where the block starts.
    pub pos: Pos,
    /// `server` lines.
    pub servers: Vec<ServerSpec>,
    /// `keepalive N`: idle pooled connections kept per server.
    pub keepalive: usize,
    /// `timeouts connect= read= write=`.
    pub timeouts: UpstreamTimeouts,
}

/// One `server ADDR [weight=N];` line.
#[derive(Clone, Debug)]
pub struct ServerSpec {
    /// The address as written (`127.0.0.1:9001`, `localhost:9001`).
    pub text: String,
    /// What it resolved to at load time.
    pub addr: SocketAddr,
    /// `weight=N`, 1 by default.
    pub weight: u32,
}

/// Upstream timeouts, one per phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpstreamTimeouts {
    /// TCP connect.
    pub connect: Duration,
    /// Each read from the upstream (response head and body).
    pub read: Duration,
    /// Each write to the upstream.
    pub write: Duration,
}

/// A `route NAME { ... }` block.
#[derive(Clone, Debug)]
pub struct RouteSpec {
    /// Its name.
    pub name: String,
    /// Where the block starts.
    pub pos: Pos,
    /// `path`.
    pub path: PathSpec,
    /// `host`.
    pub host: Option<Spanned<String>>,
    /// `methods`, upper case, as written.
    pub methods: Option<Vec<String>>,
    /// `priority N`.
    pub priority: Option<i64>,
    /// What answers: `upstream NAME;` or `respond STATUS "text";`.
    pub action: ActionSpec,
    /// `strip_prefix` or `rewrite`.
    pub rewrite: Option<RewriteSpec>,
    /// `auth ...`.
    pub auth: Option<AuthSpec>,
    /// `claims_to_headers claim=Header ...`.
    pub claims_to_headers: Vec<(String, String)>,
}

/// The `path` of a route, not yet compiled (the router does that).
#[derive(Clone, Debug)]
pub struct PathSpec {
    /// The pattern text.
    pub text: String,
    /// Written as `path ~ REGEX`.
    pub is_regex: bool,
    /// Where the pattern text starts.
    pub pos: Pos,
}

/// What a route does once its stages let the request through.
#[derive(Clone, Debug)]
pub enum ActionSpec {
    /// Forward to the named upstream.
    Upstream(Spanned<String>),
    /// Answer directly.
    Respond {
        /// Status code.
        status: u16,
        /// Body text (sent as `text/plain`).
        body: String,
    },
}

/// How the path sent upstream is derived from the client's.
#[derive(Clone, Debug)]
pub enum RewriteSpec {
    /// `strip_prefix /users;`
    StripPrefix(Spanned<String>),
    /// `rewrite /v2/users/{id};` with `{param}` and `$n` substitution.
    Rewrite(Spanned<String>),
}

/// The `auth` directive of a route.
#[derive(Clone, Debug)]
pub enum AuthSpec {
    /// `auth jwt secret=... alg=... issuer=... audience=... leeway=... [header=|cookie=]`
    Jwt {
        /// `secret=`, `env:` already read when it was the whole value.
        secret: Spanned<String>,
        /// `alg=`, comma separated; `HS256` by default.
        algs: Spanned<Vec<String>>,
        /// `issuer=`.
        issuer: Option<String>,
        /// `audience=`.
        audience: Option<String>,
        /// `leeway=`, 0 by default.
        leeway: Duration,
        /// Where the token is read from.
        source: TokenSource,
    },
    /// `auth api_key header=NAME|query=NAME keys=...`
    ApiKey {
        /// Where the key is read from (`header=X-Api-Key` by default).
        source: TokenSource,
        /// `keys=`, `[name:]sha256hex,...`.
        keys: Spanned<String>,
    },
    /// `auth basic realm=NAME users=FILE`
    Basic {
        /// `realm=`, shown in the browser's prompt.
        realm: String,
        /// `users=`: the htpasswd-style file.
        users: Spanned<String>,
    },
}

/// Where a credential is read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenSource {
    /// `Authorization: Bearer TOKEN` (JWT default).
    Bearer,
    /// A request header's whole value.
    Header(String),
    /// A cookie.
    Cookie(String),
    /// A query-string parameter.
    Query(String),
}

/// Reads, parses and validates the config file at `path`.
pub fn load(path: &Path) -> Result<Config, Vec<ConfigError>> {
    let file = path.display().to_string();
    let text = read_text(&file, path).map_err(|e| vec![e])?;
    load_str(&file, &text)
}

/// Reads a text file of at most [`lexer::MAX_CONFIG_BYTES`] bytes (never
/// more: `/dev/zero` or a multi-gigabyte log named by mistake costs 4 MiB,
/// not all memory). A directory, an unreadable file, an oversized one or one
/// that is not UTF-8 is an error at `file:line:col`: for bad UTF-8 the place
/// of the first bad byte.
pub fn read_text(file: &str, path: &Path) -> Result<String, ConfigError> {
    let start = Pos { line: 1, col: 1 };
    let cannot =
        |why: String| ConfigError::new(file, start, format!("cannot read the config file: {why}"));
    let bytes = read_file_bounded(path, lexer::MAX_CONFIG_BYTES).map_err(|e| {
        if e.kind() == std::io::ErrorKind::FileTooLarge {
            ConfigError::new(file, start, lexer::too_large_message())
        } else {
            cannot(e.to_string())
        }
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let valid_len = e.utf8_error().valid_up_to();
        let bad = e.as_bytes().get(valid_len).copied().unwrap_or(0);
        let valid = std::str::from_utf8(e.as_bytes().get(..valid_len).unwrap_or_default())
            .unwrap_or_default();
        ConfigError::new(
            file,
            end_of(valid),
            format!("byte 0x{bad:02x} is not UTF-8: expected UTF-8 text"),
        )
    })
}

/// The position just after `text`: where the next character would be.
fn end_of(text: &str) -> Pos {
    let line = 1 + text.matches('\n').count();
    let last_line = text.rsplit('\n').next().unwrap_or_default();
    Pos {
        line,
        col: 1 + last_line.chars().count(),
    }
}

/// Parses and validates config text; `file` labels errors.
pub fn load_str(file: &str, text: &str) -> Result<Config, Vec<ConfigError>> {
    let tokens = lexer::tokenize(file, text).map_err(|e| vec![e])?;
    let ast = parse::parse(file, &tokens).map_err(|e| vec![e])?;
    build::build(file, &ast, &|name| std::env::var(name).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("gatelite-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn read_error(path: &Path) -> String {
        read_text("f.conf", path).unwrap_err().to_string()
    }

    #[test]
    fn bad_utf8_is_reported_where_the_bad_byte_is() {
        let path = temp_file(
            "latin1.conf",
            b"listen 127.0.0.1:1;\n# caf\xc3\xa9\n\tx \xe9t\xe9;\n",
        );
        assert_eq!(
            read_error(&path),
            "f.conf:3:4: byte 0xe9 is not UTF-8: expected UTF-8 text"
        );
    }

    #[test]
    fn directories_and_oversized_files_are_refused() {
        let path = temp_file("dir-probe.conf", b"");
        let dir = path.parent().unwrap();
        assert!(
            read_error(dir).contains("is a directory"),
            "{}",
            read_error(dir)
        );
        let big = temp_file("big.conf", &vec![b'#'; lexer::MAX_CONFIG_BYTES + 1]);
        assert!(read_error(&big).starts_with("f.conf:1:1: config file is larger than"));
        let fits = temp_file("fits.conf", &vec![b' '; lexer::MAX_CONFIG_BYTES]);
        assert_eq!(
            read_text("f.conf", &fits).map(|t| t.len()),
            Ok(lexer::MAX_CONFIG_BYTES)
        );
    }

    #[test]
    fn endless_files_are_read_only_up_to_the_limit() {
        let zero = Path::new("/dev/zero");
        if zero.exists() {
            assert!(
                read_error(zero).contains("larger than"),
                "{}",
                read_error(zero)
            );
        }
    }
}
