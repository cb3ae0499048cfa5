//! AST -> typed, validated [`Config`].
//!
//! One function per directive. Each knows its arguments exactly: an unknown
//! directive, an unknown `key=` option, a missing or extra argument is an
//! error that names the place and what was expected. A typo must never turn a
//! rate limit or an auth check off silently (STYLE.md §2.10).
//!
//! Three kinds of "unknown" get three messages: a directive of DESIGN.md §4
//! that this version does not build yet (`rate_limit`, `balance`, `limits
//! tunnels=`, ...) is "not supported yet"; one written in the wrong block says
//! where it belongs; anything else is unknown, with a "did you mean" when a
//! known name is one or two edits away (`rate_limt`).
//!
//! Errors are collected rather than stopping at the first, so `gatelite check`
//! shows them all at once (up to [`MAX_REPORTED_ERRORS`]); a directive that
//! failed is not reported a second time as missing.

use std::collections::HashSet;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use super::parse::{Arg, Directive};
use super::values::{parse_digits, parse_duration, parse_size};
use super::*;

/// Looks up an environment variable (injected so tests need no real env).
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Default `workers`.
pub const DEFAULT_WORKERS: usize = 64;
/// Default `queue`.
pub const DEFAULT_QUEUE: usize = 1024;
/// Most worker threads a config may ask for.
pub const MAX_WORKERS: usize = 4096;
/// Default `timeouts header=`.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Default `timeouts idle=`.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(5);
/// Default upstream `keepalive`.
pub const DEFAULT_KEEPALIVE: usize = 32;
/// Default upstream `timeouts connect=`.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Default upstream `timeouts read=` and `write=`.
pub const DEFAULT_IO_TIMEOUT: Duration = Duration::from_secs(30);

const TOP_LEVEL: &[&str] = &[
    "listen", "workers", "queue", "timeouts", "limits", "upstream", "route",
];
const IN_UPSTREAM: &[&str] = &["server", "keepalive", "timeouts"];

/// Directives of DESIGN.md §4 whose behaviour a later issue builds. Until
/// then each is refused as "not supported yet", never accepted and ignored:
/// a `rate_limit` that parses but limits nothing is worse than an error.
const PLANNED_TOP_LEVEL: &[&str] = &[
    "access_log",
    "admin",
    "trusted_proxies",
    "allow",
    "deny",
    "cache_store",
];
const PLANNED_IN_UPSTREAM: &[&str] = &["balance", "retries", "health_check", "circuit_breaker"];
const PLANNED_IN_ROUTE: &[&str] = &[
    "allow",
    "deny",
    "rate_limit",
    "cache",
    "request_header",
    "response_header",
    "cors",
    "upgrade",
    "forwarded",
    "trace",
];
/// `key=` options of DESIGN.md §4 not built yet, refused the same way.
const PLANNED_LIMITS_OPTIONS: &[&str] = &["tunnels"];

/// Most errors one run reports; a binary or mangled file would otherwise
/// print one line per token.
pub const MAX_REPORTED_ERRORS: usize = 100;

/// The three kinds of place a directive can stand.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Block {
    Top,
    Upstream,
    Route,
}

impl Block {
    const ALL: [Block; 3] = [Block::Top, Block::Upstream, Block::Route];

    /// The directives implemented here.
    fn directives(self) -> &'static [&'static str] {
        match self {
            Block::Top => TOP_LEVEL,
            Block::Upstream => IN_UPSTREAM,
            Block::Route => IN_ROUTE,
        }
    }

    /// The directives planned here but not built yet.
    fn planned(self) -> &'static [&'static str] {
        match self {
            Block::Top => PLANNED_TOP_LEVEL,
            Block::Upstream => PLANNED_IN_UPSTREAM,
            Block::Route => PLANNED_IN_ROUTE,
        }
    }

    fn knows(self, name: &str) -> bool {
        self.directives().contains(&name) || self.planned().contains(&name)
    }

    fn place(self) -> &'static str {
        match self {
            Block::Top => "at the top level",
            Block::Upstream => "in an upstream block",
            Block::Route => "in a route block",
        }
    }
}
const IN_ROUTE: &[&str] = &[
    "path",
    "host",
    "methods",
    "priority",
    "upstream",
    "respond",
    "strip_prefix",
    "rewrite",
    "auth",
    "claims_to_headers",
];

struct Builder<'a> {
    file: &'a str,
    env: EnvLookup<'a>,
    errors: Vec<ConfigError>,
}

type Res<T> = Result<T, ConfigError>;

/// Builds the typed config from the AST of `file`.
pub fn build(
    file: &str,
    ast: &[Directive],
    env: EnvLookup<'_>,
) -> Result<Config, Vec<ConfigError>> {
    let mut b = Builder {
        file,
        env,
        errors: Vec::new(),
    };
    let mut cfg = Config {
        file: file.to_string(),
        listen: Vec::new(),
        workers: DEFAULT_WORKERS,
        queue: DEFAULT_QUEUE,
        client_timeouts: ClientTimeouts {
            header: DEFAULT_HEADER_TIMEOUT,
            idle: DEFAULT_IDLE_TIMEOUT,
        },
        limits: LimitsSpec {
            header: 16 * 1024,
            body: 10 * 1024 * 1024,
            uri: 8 * 1024,
        },
        upstreams: Vec::new(),
        routes: Vec::new(),
    };
    let mut seen_once = HashSet::new();
    for d in ast {
        if !TOP_LEVEL.contains(&d.name.as_str()) {
            b.push(b.unknown(d, Block::Top));
            continue;
        }
        let block_kind = matches!(d.name.as_str(), "upstream" | "route");
        if let Err(e) = b.check_block(d, block_kind) {
            b.push(e);
            continue;
        }
        if !matches!(d.name.as_str(), "listen" | "upstream" | "route")
            && !seen_once.insert(d.name.clone())
        {
            b.push(b.err(d.pos, format!("'{}' is set twice", d.name)));
            continue;
        }
        let r = match d.name.as_str() {
            "listen" => b.listen(d, &cfg.listen).map(|a| cfg.listen.push(a)),
            "workers" => b.count(d, 1, MAX_WORKERS).map(|n| cfg.workers = n),
            "queue" => b.count(d, 1, 1 << 20).map(|n| cfg.queue = n),
            "timeouts" => b.client_timeouts(d, &mut cfg.client_timeouts),
            "limits" => b.limits(d, &mut cfg.limits),
            "upstream" => b.upstream(d).map(|u| cfg.upstreams.extend(u)),
            _ => b.route(d).map(|r| cfg.routes.extend(r)),
        };
        b.take(r);
    }
    b.cross_check(ast, &cfg);
    if b.errors.len() > MAX_REPORTED_ERRORS {
        b.errors.truncate(MAX_REPORTED_ERRORS);
        let pos = b.errors.last().map(|e| e.pos).unwrap_or_default();
        let stop = b.err(
            pos,
            format!("too many errors: stopping after {MAX_REPORTED_ERRORS}"),
        );
        b.push(stop);
    }
    if b.errors.is_empty() {
        Ok(cfg)
    } else {
        Err(b.errors)
    }
}

impl Builder<'_> {
    fn err(&self, pos: Pos, msg: impl Into<String>) -> ConfigError {
        ConfigError::new(self.file, pos, msg)
    }

    fn push(&mut self, e: ConfigError) {
        self.errors.push(e);
    }

    fn take<T>(&mut self, r: Res<T>) -> Option<T> {
        r.map_err(|e| self.errors.push(e)).ok()
    }

    /// The error for a directive `block` does not implement: one planned
    /// for later, one that belongs in another block, or a typo (with the
    /// nearest known name as a hint).
    fn unknown(&self, d: &Directive, block: Block) -> ConfigError {
        let name = d.name.as_str();
        let expected = format!("expected one of {}", block.directives().join(", "));
        let message = if block.planned().contains(&name) {
            format!(
                "directive '{name}' is not supported yet by this version of gatelite: {expected}"
            )
        } else if let Some(home) = Block::ALL.into_iter().find(|b| b.knows(name)) {
            let (home_place, here) = (home.place(), block.place());
            if home.directives().contains(&name) {
                format!("directive '{name}' belongs {home_place}, not {here}: {expected}")
            } else {
                format!(
                    "directive '{name}' is not supported yet by this version of gatelite \
                     (and belongs {home_place}, not {here}): {expected}"
                )
            }
        } else {
            let known = block.directives().iter().chain(block.planned());
            match known.min_by_key(|k| edit_distance(name, k)) {
                Some(near) if edit_distance(name, near) <= 2 => format!(
                    "unknown directive '{name}' {} (did you mean '{near}'?): {expected}",
                    block.place()
                ),
                _ => format!("unknown directive '{name}' {}: {expected}", block.place()),
            }
        };
        self.err(d.pos, message)
    }

    fn check_block(&self, d: &Directive, wants_block: bool) -> Res<()> {
        match (&d.block, wants_block) {
            (Some(_), false) => {
                Err(self.err(d.pos, format!("'{}' takes no block: expected ';'", d.name)))
            }
            (None, true) => {
                Err(self.err(d.pos, format!("'{}' needs a block: expected '{{'", d.name)))
            }
            _ => Ok(()),
        }
    }

    /// Exactly `n` arguments.
    fn args<'d>(&self, d: &'d Directive, n: usize, what: &str) -> Res<&'d [Arg]> {
        if d.args.len() == n {
            return Ok(&d.args);
        }
        let pos = d.args.get(n).map(|a| a.pos).unwrap_or(d.pos);
        let hint = d
            .args
            .get(n)
            .map(|a| missing_semicolon_hint(d, a))
            .unwrap_or_default();
        Err(self.err(pos, format!("'{}' expects {what}{hint}", d.name)))
    }

    /// A string value: `env:NAME` reads the environment.
    fn text(&self, text: &str, pos: Pos) -> Res<String> {
        match text.strip_prefix("env:") {
            Some(name) if !name.is_empty() => (self.env)(name)
                .ok_or_else(|| self.err(pos, format!("environment variable {name} is not set"))),
            Some(_) => Err(self.err(pos, "expected a variable name after 'env:'")),
            None => Ok(text.to_string()),
        }
    }

    /// `key=value` options, each at most once, keys from `allowed`.
    fn options(
        &self,
        d: &Directive,
        args: &[Arg],
        allowed: &[&str],
    ) -> Res<Vec<(String, String, Pos)>> {
        let mut out: Vec<(String, String, Pos)> = Vec::new();
        for a in args {
            let Some((k, v)) = a.text.split_once('=') else {
                return Err(self.err(
                    a.pos,
                    format!(
                        "'{}' expects key=value options ({}), found '{}'{}",
                        d.name,
                        allowed.join(", "),
                        a.text,
                        missing_semicolon_hint(d, a)
                    ),
                ));
            };
            if !allowed.contains(&k) {
                return Err(self.err(
                    a.pos,
                    format!(
                        "unknown option '{k}' of '{}': expected one of {}",
                        d.name,
                        allowed.join(", ")
                    ),
                ));
            }
            if out.iter().any(|(seen, _, _)| seen == k) {
                return Err(self.err(a.pos, format!("option '{k}' is given twice")));
            }
            if v.is_empty() {
                return Err(self.err(a.pos, format!("option '{k}' needs a value after '='")));
            }
            let value_pos = Pos {
                line: a.pos.line,
                col: a.pos.col + k.chars().count() + 1,
            };
            out.push((k.to_string(), self.text(v, value_pos)?, value_pos));
        }
        Ok(out)
    }

    /// A `key=` option that a later issue builds: refused, not ignored.
    fn refuse_planned_options(&self, d: &Directive, planned: &[&str]) -> Res<()> {
        for a in &d.args {
            let key = a.text.split_once('=').map_or(a.text.as_str(), |(k, _)| k);
            if planned.contains(&key) {
                return Err(self.err(
                    a.pos,
                    format!(
                        "option '{key}' of '{}' is not supported yet by this version of gatelite",
                        d.name
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Options for a directive that means nothing without at least one.
    fn some_options(&self, d: &Directive, allowed: &[&str]) -> Res<Vec<(String, String, Pos)>> {
        if d.args.is_empty() {
            return Err(self.err(
                d.pos,
                format!(
                    "'{}' expects at least one of {}",
                    d.name,
                    allowed
                        .iter()
                        .map(|k| format!("{k}="))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        self.options(d, &d.args, allowed)
    }

    fn duration(&self, text: &str, pos: Pos) -> Res<Duration> {
        parse_duration(text).map_err(|m| self.err(pos, m))
    }

    /// One `listen` address; `before` are the earlier ones. The same address
    /// twice could never bind, so it is a config error, not a runtime one
    /// (port 0, "any free port", may repeat).
    fn listen(&self, d: &Directive, before: &[SocketAddr]) -> Res<SocketAddr> {
        let a = self.args(d, 1, "one address, like 127.0.0.1:8080")?;
        let arg = first(a)?;
        let text = self.text(&arg.text, arg.pos)?;
        let addr = text.parse::<SocketAddr>().map_err(|_| {
            self.err(
                arg.pos,
                format!("expected an address like 127.0.0.1:8080 or [::1]:8080, found '{text}'"),
            )
        })?;
        if addr.port() != 0 && before.contains(&addr) {
            return Err(self.err(arg.pos, format!("'listen {addr}' is given twice")));
        }
        Ok(addr)
    }

    fn count(&self, d: &Directive, min: usize, max: usize) -> Res<usize> {
        let a = self.args(d, 1, "one number")?;
        let arg = first(a)?;
        parse_digits(&arg.text)
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| {
                self.err(
                    arg.pos,
                    format!(
                        "expected a whole number from {min} to {max}, found '{}'",
                        arg.text
                    ),
                )
            })
    }

    fn client_timeouts(&self, d: &Directive, t: &mut ClientTimeouts) -> Res<()> {
        for (k, v, pos) in self.some_options(d, &["header", "idle"])? {
            let dur = self.nonzero(self.duration(&v, pos)?, pos)?;
            match k.as_str() {
                "header" => t.header = dur,
                _ => t.idle = dur,
            }
        }
        Ok(())
    }

    fn nonzero(&self, d: Duration, pos: Pos) -> Res<Duration> {
        if d.is_zero() {
            return Err(self.err(pos, "expected a duration above zero"));
        }
        Ok(d)
    }

    fn limits(&self, d: &Directive, l: &mut LimitsSpec) -> Res<()> {
        self.refuse_planned_options(d, PLANNED_LIMITS_OPTIONS)?;
        // An uri/header conflict is blamed on uri= when written, else header=.
        let mut blame = d.pos;
        for (k, v, pos) in self.some_options(d, &["header", "body", "uri"])? {
            if k == "uri" || (k == "header" && blame == d.pos) {
                blame = pos;
            }
            let n = parse_size(&v).map_err(|m| self.err(pos, m))?;
            let small = |min: u64| -> Res<usize> {
                if n < min || n > 1 << 30 {
                    return Err(self.err(pos, format!("{k}= must be from {min} bytes to 1g")));
                }
                usize::try_from(n).map_err(|_| self.err(pos, "too large"))
            };
            match k.as_str() {
                "header" => l.header = small(256)?,
                "uri" => l.uri = small(16)?,
                _ => l.body = n,
            }
        }
        if l.uri > l.header {
            return Err(self.err(
                blame,
                format!(
                    "limits: uri= ({} bytes) cannot exceed header= ({} bytes): the URI is part of the head",
                    l.uri, l.header
                ),
            ));
        }
        Ok(())
    }

    fn name_arg(&self, d: &Directive) -> Res<(String, Pos)> {
        let a = self.args(d, 1, "a name")?;
        let arg = first(a)?;
        if arg.text.is_empty()
            || !arg
                .text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(self.err(
                arg.pos,
                "expected a name of letters, digits, '-', '_' or '.'",
            ));
        }
        Ok((arg.text.clone(), arg.pos))
    }

    /// `Ok(None)` when the block is unusable because of errors already
    /// reported (a bad `server` line): no second error about the same fault.
    fn upstream(&mut self, d: &Directive) -> Res<Option<UpstreamSpec>> {
        let (name, _) = self.name_arg(d)?;
        let mut u = UpstreamSpec {
            name,
            pos: d.pos,
            servers: Vec::new(),
            keepalive: DEFAULT_KEEPALIVE,
            timeouts: UpstreamTimeouts {
                connect: DEFAULT_CONNECT_TIMEOUT,
                read: DEFAULT_IO_TIMEOUT,
                write: DEFAULT_IO_TIMEOUT,
            },
        };
        let mut seen = HashSet::new();
        let mut bad_server = false;
        for inner in d.block.as_deref().unwrap_or_default() {
            if !IN_UPSTREAM.contains(&inner.name.as_str()) {
                self.push(self.unknown(inner, Block::Upstream));
                continue;
            }
            if let Err(e) = self.check_block(inner, false) {
                self.push(e);
                bad_server |= inner.name == "server";
                continue;
            }
            if inner.name != "server" && !seen.insert(inner.name.clone()) {
                self.push(self.err(inner.pos, format!("'{}' is set twice", inner.name)));
                continue;
            }
            let r = match inner.name.as_str() {
                "server" => self.server(inner).map(|s| u.servers.push(s)),
                "keepalive" => self.count_from_zero(inner).map(|n| u.keepalive = n),
                _ => self.upstream_timeouts(inner, &mut u.timeouts),
            };
            bad_server |= inner.name == "server" && r.is_err();
            self.take(r);
        }
        if u.servers.is_empty() && bad_server {
            return Ok(None);
        }
        if u.servers.is_empty() {
            return Err(self.err(
                d.pos,
                format!(
                    "upstream '{}' has no 'server': expected at least one",
                    u.name
                ),
            ));
        }
        Ok(Some(u))
    }

    fn count_from_zero(&self, d: &Directive) -> Res<usize> {
        self.count(d, 0, 65_536)
    }

    fn server(&self, d: &Directive) -> Res<ServerSpec> {
        let Some((addr_arg, rest)) = d.args.split_first() else {
            return Err(self.err(d.pos, "'server' expects an address like 127.0.0.1:9001"));
        };
        let text = self.text(&addr_arg.text, addr_arg.pos)?;
        let addr = text
            .to_socket_addrs()
            .ok()
            .and_then(|mut it| it.next())
            .ok_or_else(|| {
                self.err(
                    addr_arg.pos,
                    format!("expected host:port that resolves, found '{text}'"),
                )
            })?;
        if addr.port() == 0 {
            return Err(self.err(
                addr_arg.pos,
                format!("expected a server port from 1 to 65535, found '{text}'"),
            ));
        }
        let mut weight = 1;
        for (_, v, pos) in self.options(d, rest, &["weight"])? {
            weight = parse_digits(&v)
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| (1..=1000).contains(n))
                .ok_or_else(|| self.err(pos, "expected a weight from 1 to 1000"))?;
        }
        Ok(ServerSpec { text, addr, weight })
    }

    fn upstream_timeouts(&self, d: &Directive, t: &mut UpstreamTimeouts) -> Res<()> {
        for (k, v, pos) in self.some_options(d, &["connect", "read", "write"])? {
            let dur = self.nonzero(self.duration(&v, pos)?, pos)?;
            match k.as_str() {
                "connect" => t.connect = dur,
                "read" => t.read = dur,
                _ => t.write = dur,
            }
        }
        Ok(())
    }

    /// `Ok(None)` when the route is unusable because of errors already
    /// reported (a bad `path` or `upstream` line): no second error about it.
    fn route(&mut self, d: &Directive) -> Res<Option<RouteSpec>> {
        let (name, _) = self.name_arg(d)?;
        let mut path = None;
        let mut host = None;
        let mut methods = None;
        let mut priority = None;
        let mut action = None;
        let mut rewrite: Option<RewriteSpec> = None;
        let mut auth = None;
        let mut claims = Vec::new();
        let mut seen = HashSet::new();
        for inner in d.block.as_deref().unwrap_or_default() {
            if !IN_ROUTE.contains(&inner.name.as_str()) {
                self.push(self.unknown(inner, Block::Route));
                continue;
            }
            if let Err(e) = self.check_block(inner, false) {
                self.push(e);
                seen.insert(inner.name.clone());
                continue;
            }
            if !seen.insert(inner.name.clone()) {
                self.push(self.err(
                    inner.pos,
                    format!("'{}' is set twice in route '{name}'", inner.name),
                ));
                continue;
            }
            let r: Res<()> = match inner.name.as_str() {
                "path" => self.path(inner).map(|p| path = Some(p)),
                "host" => self.host(inner).map(|h| host = Some(h)),
                "methods" => self.methods(inner).map(|m| methods = Some(m)),
                "priority" => self.priority(inner).map(|p| priority = Some(p)),
                "upstream" | "respond" if action.is_some() => Err(self.err(
                    inner.pos,
                    "a route has either 'upstream' or 'respond', not both",
                )),
                "upstream" => self
                    .name_arg(inner)
                    .map(|(n, pos)| action = Some(ActionSpec::Upstream(Spanned { value: n, pos }))),
                "respond" => self.respond(inner).map(|a| action = Some(a)),
                "strip_prefix" | "rewrite" if rewrite.is_some() => Err(self.err(
                    inner.pos,
                    "a route has either 'strip_prefix' or 'rewrite', not both",
                )),
                "strip_prefix" | "rewrite" => self.rewrite(inner).map(|r| rewrite = Some(r)),
                "auth" => self.auth(inner).map(|a| auth = Some(a)),
                _ => self.claims_to_headers(inner).map(|c| claims = c),
            };
            self.take(r);
        }
        // A required directive that was written but failed was reported
        // already; only one that is absent is reported here.
        if path.is_none() && !seen.contains("path") {
            self.push(self.err(d.pos, format!("route '{name}' has no 'path': expected one")));
        }
        if action.is_none() && !seen.contains("upstream") && !seen.contains("respond") {
            self.push(self.err(
                d.pos,
                format!("route '{name}' has neither 'upstream' nor 'respond': expected one"),
            ));
        }
        let (Some(path), Some(action)) = (path, action) else {
            return Ok(None);
        };
        // When `auth` itself failed it was reported already: no cascade.
        let auth_failed = seen.contains("auth") && auth.is_none();
        if !claims.is_empty() && !auth_failed && !matches!(auth, Some(AuthSpec::Jwt { .. })) {
            return Err(self.err(
                d.pos,
                format!("route '{name}': 'claims_to_headers' needs 'auth jwt'"),
            ));
        }
        Ok(Some(RouteSpec {
            name,
            pos: d.pos,
            path,
            host,
            methods,
            priority,
            action,
            rewrite,
            auth,
            claims_to_headers: claims,
        }))
    }

    fn path(&self, d: &Directive) -> Res<PathSpec> {
        match d.args.as_slice() {
            [tilde, re] if tilde.text == "~" && !tilde.quoted => Ok(PathSpec {
                text: re.text.clone(),
                is_regex: true,
                pos: text_start(re),
            }),
            [p] if p.text.starts_with('/') => Ok(PathSpec {
                text: p.text.clone(),
                is_regex: false,
                pos: text_start(p),
            }),
            [p] => Err(self.err(
                p.pos,
                format!(
                    "expected a path starting with '/' (or '~ REGEX'), found '{}'",
                    p.text
                ),
            )),
            _ => Err(self.err(
                d.pos,
                "'path' expects one path (/x, /x/{p}, /x/*) or '~ REGEX'",
            )),
        }
    }

    fn host(&self, d: &Directive) -> Res<Spanned<String>> {
        let a = self.args(d, 1, "one host name, like api.example.com or *.example.com")?;
        let arg = first(a)?;
        Ok(Spanned {
            value: self.text(&arg.text, arg.pos)?.to_ascii_lowercase(),
            pos: text_start(arg),
        })
    }

    fn methods(&self, d: &Directive) -> Res<Vec<String>> {
        if d.args.is_empty() {
            return Err(self.err(
                d.pos,
                "'methods' expects at least one method, like GET POST",
            ));
        }
        let mut out = Vec::new();
        for a in &d.args {
            let ok = !a.text.is_empty()
                && a.text
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b == b'-' || b == b'_');
            if !ok {
                return Err(self.err(
                    a.pos,
                    format!("expected an upper-case method name (methods are case-sensitive), found '{}'", a.text),
                ));
            }
            if !out.contains(&a.text) {
                out.push(a.text.clone());
            }
        }
        Ok(out)
    }

    fn priority(&self, d: &Directive) -> Res<i64> {
        let a = self.args(d, 1, "one whole number")?;
        let arg = first(a)?;
        let (neg, digits) = match arg.text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, arg.text.as_str()),
        };
        parse_digits(digits)
            .filter(|n| *n <= 1_000_000)
            .and_then(|n| i64::try_from(n).ok())
            .map(|n| if neg { -n } else { n })
            .ok_or_else(|| self.err(arg.pos, "expected a whole number from -1000000 to 1000000"))
    }

    fn respond(&self, d: &Directive) -> Res<ActionSpec> {
        let (status_arg, body) = match d.args.as_slice() {
            [s] => (s, String::new()),
            [s, b] => (s, self.text(&b.text, b.pos)?),
            _ => {
                let pos = d.args.get(2).map_or(d.pos, |a| a.pos);
                return Err(self.err(
                    pos,
                    "'respond' expects a status and an optional body: respond 200 \"text\";",
                ));
            }
        };
        let status = parse_digits(&status_arg.text)
            .and_then(|n| u16::try_from(n).ok())
            .filter(|n| (200..=599).contains(n))
            .ok_or_else(|| self.err(status_arg.pos, "expected a status code from 200 to 599"))?;
        // RFC 9110 §15.3.5, §15.4.5: 204 and 304 never carry content; bytes
        // sent after such a head would be read as the next response.
        if matches!(status, 204 | 304) && !body.is_empty() {
            let pos = d.args.get(1).map_or(d.pos, |a| a.pos);
            return Err(self.err(
                pos,
                format!("a {status} response has no body: expected respond {status};"),
            ));
        }
        Ok(ActionSpec::Respond { status, body })
    }

    fn rewrite(&self, d: &Directive) -> Res<RewriteSpec> {
        let a = self.args(d, 1, "one path starting with '/'")?;
        let arg = first(a)?;
        if !arg.text.starts_with('/') {
            return Err(self.err(
                arg.pos,
                format!("expected a path starting with '/', found '{}'", arg.text),
            ));
        }
        let s = Spanned {
            value: arg.text.clone(),
            pos: text_start(arg),
        };
        Ok(if d.name == "strip_prefix" {
            RewriteSpec::StripPrefix(s)
        } else {
            RewriteSpec::Rewrite(s)
        })
    }

    fn auth(&self, d: &Directive) -> Res<AuthSpec> {
        let Some((kind, rest)) = d.args.split_first() else {
            return Err(self.err(d.pos, "'auth' expects a scheme: jwt, api_key or basic"));
        };
        match kind.text.as_str() {
            "jwt" => {
                let opts = self.options(
                    d,
                    rest,
                    &[
                        "secret", "alg", "issuer", "audience", "leeway", "header", "cookie",
                    ],
                )?;
                let mut secret = None;
                let mut algs = Spanned {
                    value: vec!["HS256".to_string()],
                    pos: kind.pos,
                };
                let (mut issuer, mut audience, mut leeway) = (None, None, Duration::ZERO);
                let mut source = TokenSource::Bearer;
                for (k, v, pos) in opts {
                    match k.as_str() {
                        "secret" => secret = Some(Spanned { value: v, pos }),
                        "alg" => {
                            algs = Spanned {
                                value: v.split(',').map(str::to_string).collect(),
                                pos,
                            }
                        }
                        "issuer" => issuer = Some(v),
                        "audience" => audience = Some(v),
                        "leeway" => leeway = self.duration(&v, pos)?,
                        "header" => {
                            source = self.one_source(&source, TokenSource::Header(v), pos)?
                        }
                        _ => source = self.one_source(&source, TokenSource::Cookie(v), pos)?,
                    }
                }
                let secret = secret.ok_or_else(|| {
                    self.err(kind.pos, "auth jwt needs secret=: expected secret=env:NAME")
                })?;
                Ok(AuthSpec::Jwt {
                    secret,
                    algs,
                    issuer,
                    audience,
                    leeway,
                    source,
                })
            }
            "api_key" => {
                let opts = self.options(d, rest, &["header", "query", "keys"])?;
                let mut source = None;
                let mut keys = None;
                for (k, v, pos) in opts {
                    match k.as_str() {
                        "keys" => keys = Some(Spanned { value: v, pos }),
                        "header" if source.is_none() => source = Some(TokenSource::Header(v)),
                        "query" if source.is_none() => source = Some(TokenSource::Query(v)),
                        _ => {
                            return Err(self.err(
                                pos,
                                "auth api_key reads the key from header= or query=, not both",
                            ))
                        }
                    }
                }
                let keys = keys.ok_or_else(|| {
                    self.err(kind.pos, "auth api_key needs keys=: expected keys=env:NAME")
                })?;
                let source = source.unwrap_or_else(|| TokenSource::Header("X-Api-Key".to_string()));
                Ok(AuthSpec::ApiKey { source, keys })
            }
            "basic" => {
                let opts = self.options(d, rest, &["realm", "users"])?;
                let mut realm = "gatelite".to_string();
                let mut users = None;
                for (k, v, pos) in opts {
                    if k == "realm" {
                        if v.contains('"') || v.contains('\\') {
                            return Err(self.err(pos, "realm= cannot contain '\"' or '\\'"));
                        }
                        realm = v;
                    } else {
                        users = Some(Spanned { value: v, pos });
                    }
                }
                let users = users.ok_or_else(|| {
                    self.err(
                        kind.pos,
                        "auth basic needs users=: expected users=/path/to/htpasswd",
                    )
                })?;
                Ok(AuthSpec::Basic { realm, users })
            }
            other => Err(self.err(
                kind.pos,
                format!("unknown auth scheme '{other}': expected jwt, api_key or basic"),
            )),
        }
    }

    fn one_source(&self, current: &TokenSource, new: TokenSource, pos: Pos) -> Res<TokenSource> {
        if *current != TokenSource::Bearer {
            return Err(self.err(
                pos,
                "auth jwt reads the token from one place: header= or cookie=, not both",
            ));
        }
        Ok(new)
    }

    fn claims_to_headers(&self, d: &Directive) -> Res<Vec<(String, String)>> {
        if d.args.is_empty() {
            return Err(self.err(
                d.pos,
                "'claims_to_headers' expects claim=Header pairs, like sub=X-User-Id",
            ));
        }
        let mut out = Vec::new();
        for a in &d.args {
            let Some((claim, header)) = a.text.split_once('=') else {
                return Err(self.err(a.pos, format!("expected claim=Header, found '{}'", a.text)));
            };
            let is_token = |s: &str| {
                !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
            };
            if claim.is_empty() || !is_token(header) {
                return Err(self.err(
                    a.pos,
                    format!(
                        "expected claim=Header with a valid header name, found '{}'",
                        a.text
                    ),
                ));
            }
            // The gateway owns framing, routing and connection fields; a claim
            // must not set them (a `Content-Length` from a token would be a
            // smuggling primitive), and two claims cannot share one header.
            // config imports only util (DESIGN.md §3), so the hop-by-hop
            // names of http::headers::HOP_BY_HOP are repeated here; the e2e
            // test in tests/auth.rs checks every one of them is refused.
            const GATEWAY_MANAGED: [&str; 9] = [
                "host",
                "content-length",
                "connection",
                "keep-alive",
                "proxy-connection",
                "te",
                "trailer",
                "transfer-encoding",
                "upgrade",
            ];
            let reserved = GATEWAY_MANAGED
                .iter()
                .any(|r| r.eq_ignore_ascii_case(header));
            if reserved {
                return Err(self.err(
                    a.pos,
                    format!(
                        "claims_to_headers cannot set '{header}': the gateway manages that header"
                    ),
                ));
            }
            if out
                .iter()
                .any(|(_, h): &(String, String)| h.eq_ignore_ascii_case(header))
            {
                return Err(self.err(
                    a.pos,
                    format!(
                        "claims_to_headers sets '{header}' twice: expected one claim per header"
                    ),
                ));
            }
            out.push((claim.to_string(), header.to_string()));
        }
        Ok(out)
    }

    /// Checks between blocks: names unique, references resolve, something to listen on.
    fn cross_check(&mut self, ast: &[Directive], cfg: &Config) {
        let mut names = HashSet::new();
        for u in &cfg.upstreams {
            if !names.insert(&u.name) {
                self.push(self.err(u.pos, format!("upstream '{}' is defined twice", u.name)));
            }
        }
        let mut route_names = HashSet::new();
        for r in &cfg.routes {
            if !route_names.insert(&r.name) {
                self.push(self.err(r.pos, format!("route '{}' is defined twice", r.name)));
            }
            if let ActionSpec::Upstream(u) = &r.action {
                if !names.contains(&u.value) {
                    self.push(self.err(u.pos, format!("no upstream named '{}': expected one defined with 'upstream {} {{ ... }}'", u.value, u.value)));
                }
            }
        }
        if cfg.listen.is_empty() && self.errors.is_empty() {
            let pos = ast
                .first()
                .map(|d| d.pos)
                .unwrap_or(Pos { line: 1, col: 1 });
            self.push(self.err(
                pos,
                "no 'listen' directive: expected at least one, like listen 127.0.0.1:8080;",
            ));
        }
    }
}

/// Where the first character of `arg`'s text is: after the opening quote of a
/// quoted arg, so that a column inside a path, host or rewrite pattern lands
/// on the faulty character. (Inside quotes, `\\` and `\"` take two columns
/// for one character; a fault after such an escape is reported that many
/// columns early.)
fn text_start(arg: &Arg) -> Pos {
    let skip = usize::from(arg.quoted);
    Pos {
        line: arg.pos.line,
        col: arg.pos.col + skip,
    }
}

/// When `arg` of `d` is the first on a new line, the likely cause of a
/// "too many arguments" error is a `;` forgotten at the end of the line
/// before: say so.
fn missing_semicolon_hint(d: &Directive, arg: &Arg) -> String {
    let before = d
        .args
        .iter()
        .map(|a| a.pos)
        .take_while(|p| p.line < arg.pos.line || (p.line == arg.pos.line && p.col < arg.pos.col))
        .last()
        .unwrap_or(d.pos);
    if arg.pos.line > before.line {
        format!(" (is a ';' missing at the end of line {}?)", before.line)
    } else {
        String::new()
    }
}

/// Levenshtein distance in characters, for "did you mean" hints (names are
/// short, so the quadratic table is nothing).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let above = row.get(j + 1).copied().unwrap_or(0);
            let left = row.get(j).copied().unwrap_or(0);
            let here = (diagonal + usize::from(ca != *cb))
                .min(above + 1)
                .min(left + 1);
            diagonal = above;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = here;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

fn first(args: &[Arg]) -> Res<&Arg> {
    args.first()
        .ok_or_else(|| ConfigError::new("", Pos::default(), "missing argument"))
}

#[cfg(test)]
mod tests {
    use super::super::load_str;
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        match load_str("g.conf", text) {
            Ok(_) => vec![],
            Err(es) => es.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    const OK: &str = "listen 127.0.0.1:0;\nupstream u { server 127.0.0.1:9 weight=2; keepalive 4; timeouts connect=250ms read=2s write=3s; }\nroute r { path /x/*; methods GET POST; upstream u; }\nroute h { path /health; respond 200 \"ok\"; }\n";

    #[test]
    fn a_full_config_builds() {
        let cfg = load_str("g.conf", OK).unwrap();
        assert_eq!(cfg.workers, DEFAULT_WORKERS);
        let u = &cfg.upstreams[0];
        assert_eq!((u.keepalive, u.servers[0].weight), (4, 2));
        assert_eq!(u.timeouts.connect, Duration::from_millis(250));
        assert_eq!(
            cfg.routes[0].methods.as_deref(),
            Some(&["GET".to_string(), "POST".to_string()][..])
        );
        assert!(
            matches!(&cfg.routes[1].action, ActionSpec::Respond { status: 200, body } if body == "ok")
        );
    }

    #[test]
    fn a_host_may_come_from_the_environment() {
        let text = "listen 127.0.0.1:0;\nroute r { path /x; host env:API_HOST; respond 200; }\n";
        let file = super::super::parse::parse(
            "g.conf",
            &super::super::lexer::tokenize("g.conf", text).unwrap(),
        )
        .unwrap();
        let env = |n: &str| (n == "API_HOST").then(|| "API.Example.com".to_string());
        let cfg = build("g.conf", &file, &env).unwrap();
        assert_eq!(
            cfg.routes[0].host.as_ref().map(|h| h.value.as_str()),
            Some("api.example.com")
        );
        let missing = build("g.conf", &file, &|_: &str| None).unwrap_err();
        assert!(
            missing[0].to_string().contains("API_HOST is not set"),
            "{missing:?}"
        );
    }

    #[test]
    fn every_error_names_its_place() {
        let cases: &[(&str, &str)] = &[
            ("listen 1.2.3.4:80;\nrate_limt x;", "g.conf:2:1: unknown directive 'rate_limt' at the top level"),
            ("listen nowhere;", "g.conf:1:8: expected an address"),
            ("listen 127.0.0.1:1;\nworkers 0;", "g.conf:2:9: expected a whole number from 1"),
            ("listen 127.0.0.1:1;\ntimeouts header=10 idle=5s;", "g.conf:2:17: expected a duration"),
            ("listen 127.0.0.1:1;\nlimits body=10x;", "g.conf:2:13: expected a size"),
            ("listen 127.0.0.1:1;\nlimits bogus=1;", "g.conf:2:8: unknown option 'bogus' of 'limits'"),
            ("listen 127.0.0.1:1;\nupstream u { }", "g.conf:2:1: upstream 'u' has no 'server'"),
            ("listen 127.0.0.1:1;\nupstream u { server 127.0.0.1:1; balance x; }", "g.conf:2:34: directive 'balance' is not supported yet"),
            ("listen 127.0.0.1:1;\nroute r { path /x; upstream nope; }", "g.conf:2:29: no upstream named 'nope'"),
            ("listen 127.0.0.1:1;\nroute r { path /x; }", "g.conf:2:1: route 'r' has neither 'upstream' nor 'respond'"),
            ("listen 127.0.0.1:1;\nroute r { path x; respond 200; }", "g.conf:2:16: expected a path starting with '/'"),
            ("listen 127.0.0.1:1;\nroute r { path /x; methods get; respond 200; }", "g.conf:2:28: expected an upper-case method name"),
            ("listen 127.0.0.1:1;\nroute r { path /x; respond 200; respond 201; }", "g.conf:2:33: 'respond' is set twice"),
            ("listen 127.0.0.1:1;\nroute r { path /x; respond 99; }", "g.conf:2:28: expected a status code"),
            ("route r { path /x; respond 200; }", "g.conf:1:1: no 'listen' directive"),
            ("listen 127.0.0.1:1;\nworkers 2;\nworkers 3;", "g.conf:3:1: 'workers' is set twice"),
            ("listen 127.0.0.1:1;\nroute r { path /x; respond 200; auth jwt secret=env:NOPE_NOT_SET; }", "g.conf:2:49: environment variable NOPE_NOT_SET is not set"),
            ("listen 127.0.0.1:1;\nroute r { path /x; respond 200; auth jwt alg=HS256; }", "g.conf:2:38: auth jwt needs secret="),
            ("listen 127.0.0.1:1;\nroute r { path /x; respond 200; claims_to_headers sub=X-User; }", "g.conf:2:1: route 'r': 'claims_to_headers' needs 'auth jwt'"),
        ];
        for (text, want) in cases {
            let got = errors(text);
            assert!(
                got.iter().any(|e| e.starts_with(want)),
                "for {text:?}\n want {want}\n got {got:?}"
            );
        }
    }

    /// Every directive and option of DESIGN.md §4 that no implemented issue
    /// builds yet: each must be refused where it stands, never accepted.
    #[test]
    fn planned_directives_are_refused_as_not_supported_yet() {
        let top = "listen 127.0.0.1:1;\nupstream u { server 127.0.0.1:9; }\n";
        let cases: &[(&str, usize)] = &[
            ("access_log stdout combined;", 1),
            ("access_log off;", 1),
            ("admin 127.0.0.1:9900 token=x;", 1),
            ("trusted_proxies 10.0.0.0/8;", 1),
            ("allow 0.0.0.0/0;", 1),
            ("deny 192.0.2.0/24;", 1),
            ("cache_store memory=64m;", 1),
            (
                "upstream v { server 127.0.0.1:9; balance round_robin; }",
                34,
            ),
            ("upstream v { server 127.0.0.1:9; retries 2; }", 34),
            (
                "upstream v { server 127.0.0.1:9; health_check path=/h; }",
                34,
            ),
            (
                "upstream v { server 127.0.0.1:9; circuit_breaker failures=5; }",
                34,
            ),
            (
                "route r { path /x; upstream u; rate_limit token_bucket rate=10/s; }",
                32,
            ),
            ("route r { path /x; upstream u; cache ttl=30s; }", 32),
            (
                "route r { path /x; upstream u; request_header set X-A b; }",
                32,
            ),
            (
                "route r { path /x; upstream u; response_header remove Server; }",
                32,
            ),
            (
                "route r { path /x; upstream u; cors origins=https://a.example; }",
                32,
            ),
            ("route r { path /x; upstream u; upgrade websocket; }", 32),
            ("route r { path /x; upstream u; forwarded on; }", 32),
            ("route r { path /x; upstream u; trace on; }", 32),
            ("route r { path /x; upstream u; allow 10.0.0.0/8; }", 32),
            ("route r { path /x; upstream u; deny 10.0.0.0/8; }", 32),
        ];
        for (line, col) in cases {
            let got = errors(&format!("{top}{line}\n"));
            let want = format!("g.conf:3:{col}: directive '");
            assert!(
                got.len() == 1
                    && got[0].starts_with(&want)
                    && got[0].contains("is not supported yet"),
                "{line}: {got:?}"
            );
        }
        let got = errors(&format!("{top}limits header=16k tunnels=256;\n"));
        assert_eq!(
            got,
            ["g.conf:3:19: option 'tunnels' of 'limits' is not supported yet by this version of gatelite"]
        );
    }

    #[test]
    fn misplaced_and_misspelt_directives_get_a_hint() {
        let got = errors("listen 127.0.0.1:1;\nroute r { path /x; respond 200; rate_limt x; }");
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(
            got[0].starts_with("g.conf:2:33: unknown directive 'rate_limt' in a route block (did you mean 'rate_limit'?): expected one of path,"),
            "{got:?}"
        );
        let got = errors("listen 127.0.0.1:1;\nwrokers 4;\nserver 127.0.0.1:9;\nbalance x;");
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got[0].starts_with("g.conf:2:1: unknown directive 'wrokers' at the top level (did you mean 'workers'?)"), "{got:?}");
        assert!(
            got[1].starts_with(
                "g.conf:3:1: directive 'server' belongs in an upstream block, not at the top level"
            ),
            "{got:?}"
        );
        assert!(got[2].starts_with("g.conf:4:1: directive 'balance' is not supported yet by this version of gatelite (and belongs in an upstream block"), "{got:?}");
        let got = errors("listen 127.0.0.1:1;\nfrobnicate on;");
        assert!(got[0].starts_with("g.conf:2:1: unknown directive 'frobnicate' at the top level: expected one of listen, workers,"), "{got:?}");
    }

    #[test]
    fn edit_distance_counts_single_character_edits() {
        assert_eq!(edit_distance("rate_limt", "rate_limit"), 1);
        assert_eq!(edit_distance("wrokers", "workers"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn a_failed_required_directive_is_reported_once() {
        let cases: &[(&str, &str)] = &[
            (
                "upstream u { server 127.0.0.1:9 weight=0; }",
                "g.conf:2:40: expected a weight",
            ),
            (
                "upstream u { server nowhere.invalid:9; }",
                "g.conf:2:21: expected host:port",
            ),
            (
                "route r { path x; respond 200; }",
                "g.conf:2:16: expected a path starting with '/'",
            ),
            (
                "route r { path /x; respond 99; }",
                "g.conf:2:28: expected a status code",
            ),
            (
                "route r { path /x; upstream \"a b\"; }",
                "g.conf:2:29: expected a name",
            ),
            (
                "route r { path /x; respond 200 a b; }",
                "g.conf:2:34: 'respond' expects a status",
            ),
            (
                "route r { path /x; respond 204 \"x\"; }",
                "g.conf:2:32: a 204 response has no body",
            ),
            (
                "route r { path /x; respond 304 x; }",
                "g.conf:2:32: a 304 response has no body",
            ),
        ];
        for (text, want) in cases {
            let got = errors(&format!("listen 127.0.0.1:1;\n{text}"));
            assert!(
                got.len() == 1 && got[0].starts_with(want),
                "{text}\n want {want}\n got {got:?}"
            );
        }
        // Both missing at once: both reported.
        let got = errors("listen 127.0.0.1:1;\nroute r { methods GET; }");
        assert_eq!(got.len(), 2, "{got:?}");
    }

    #[test]
    fn a_forgotten_semicolon_is_named() {
        let got =
            errors("listen 127.0.0.1:1;\nworkers 4\nqueue 8;\ntimeouts idle=5s\nlimits body=1m;");
        assert_eq!(
            got,
            [
                "g.conf:3:1: 'workers' expects one number (is a ';' missing at the end of line 2?)",
                "g.conf:5:1: 'timeouts' expects key=value options (header, idle), found 'limits' (is a ';' missing at the end of line 4?)",
            ]
        );
        let got = errors("listen 127.0.0.1:1;\nupstream u { server 127.0.0.1:9 { } }\nroute r { path /x; upstream u { } }");
        assert_eq!(got.len(), 2, "{got:?}");
    }

    #[test]
    fn option_directives_need_an_option_and_ports_and_listens_are_checked() {
        let cases: &[(&str, &str)] = &[
            (
                "timeouts;",
                "g.conf:2:1: 'timeouts' expects at least one of header=, idle=",
            ),
            (
                "limits body=1m header=1k;",
                "g.conf:2:23: limits: uri= (8192 bytes) cannot exceed header= (1024 bytes)",
            ),
            (
                "limits uri=32k body=1m;",
                "g.conf:2:12: limits: uri= (32768 bytes) cannot exceed header= (16384 bytes)",
            ),
            (
                "limits;",
                "g.conf:2:1: 'limits' expects at least one of header=, body=, uri=",
            ),
            (
                "upstream u { server 127.0.0.1:9; timeouts; }",
                "g.conf:2:34: 'timeouts' expects at least one of connect=, read=, write=",
            ),
            (
                "upstream u { server 127.0.0.1:0; }",
                "g.conf:2:21: expected a server port from 1 to 65535",
            ),
            (
                "listen 127.0.0.1:1;",
                "g.conf:2:8: 'listen 127.0.0.1:1' is given twice",
            ),
            ("listen [::1]:70000;", "g.conf:2:8: expected an address"),
            (
                "timeouts idle=5000000000000000h;",
                "g.conf:2:15: duration '5000000000000000h' is too large",
            ),
        ];
        for (text, want) in cases {
            let got = errors(&format!("listen 127.0.0.1:1;\n{text}"));
            assert!(
                got.len() == 1 && got[0].starts_with(want),
                "{text}\n want {want}\n got {got:?}"
            );
        }
        let cfg = load_str(
            "g",
            "listen 127.0.0.1:0;\nlisten 127.0.0.1:0;\nlisten [::1]:8080;",
        )
        .unwrap();
        assert_eq!(cfg.listen.len(), 3);
    }

    #[test]
    fn quoted_option_values_may_hold_spaces() {
        let text = "listen 127.0.0.1:1;\nroute r { path /x; respond 200 \"a b\"; auth basic realm=\"Ops team\" users=/u; }";
        let cfg = load_str("g", text).unwrap();
        assert!(
            matches!(&cfg.routes[0].auth, Some(AuthSpec::Basic { realm, .. }) if realm == "Ops team")
        );
    }

    #[test]
    fn the_number_of_reported_errors_is_bounded() {
        let text = format!("listen 127.0.0.1:1;\n{}", "nope;\n".repeat(500));
        let got = errors(&text);
        assert_eq!(got.len(), MAX_REPORTED_ERRORS + 1);
        assert!(got.last().unwrap().contains("too many errors"), "{got:?}");
    }

    #[test]
    fn several_errors_are_reported_together() {
        let got = errors("listen 127.0.0.1:1;\nfoo;\nbar;\nroute r { path /x; baz; respond 200; }");
        assert_eq!(got.len(), 3, "{got:?}");
    }

    #[test]
    fn env_values_are_read_through_the_injected_lookup() {
        let text =
            "listen env:ADDR;\nroute r { path /x; respond 200; auth api_key keys=env:KEYS; }";
        let toks = lexer::tokenize("g", text).unwrap();
        let ast = parse::parse("g", &toks).unwrap();
        let env = |n: &str| match n {
            "ADDR" => Some("127.0.0.1:7".to_string()),
            "KEYS" => Some("alice:abc".to_string()),
            _ => None,
        };
        let cfg = build("g", &ast, &env).unwrap();
        assert_eq!(cfg.listen[0].port(), 7);
        assert!(
            matches!(&cfg.routes[0].auth, Some(AuthSpec::ApiKey { keys, .. }) if keys.value == "alice:abc")
        );
    }
}
