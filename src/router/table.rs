//! The route table: built once per config load, then asked "which route?" per request.
//!
//! # Precedence
//!
//! Every route gets a place in one total *match order*; the first route in that
//! order whose path, host and method all fit the request wins. The order is
//! the sort by this key (smaller first):
//!
//! 1. `priority`, higher first (default 0). So `priority` overrides everything
//!    below, including the kind order: a `priority 1` regex beats a plain exact.
//! 2. kind: exact, then param, then prefix, then regex.
//! 3. specificity within the kind:
//!    - param: segment by segment, a literal before a parameter
//!      (`/users/me` style `/u/me/{x}` before `/u/{id}/{x}`, `/a/{x}` before `/{y}/b`);
//!    - prefix: longer (more segments) first;
//!    - exact and regex: none (regexes keep file order, item 5).
//! 4. host: a route with an exact `host` first, then wildcard hosts (longer
//!    suffix first), then routes without `host`. Host therefore only decides
//!    between routes of the same path shape — `/health` without a host still
//!    beats `/*` on `host api.example.com` — and a host-specific route
//!    shadows a host-less one for the same path on its host only.
//! 5. file order.
//!
//! **Methods.** A route without `methods` accepts every method. `HEAD` is
//! accepted wherever `GET` is (RFC 9110 §9.3.2: HEAD is GET without the body;
//! nginx does the same). Methods are case-sensitive (RFC 9110 §9.1). If routes
//! match the path and host but none accepts the method, the answer is
//! `MethodNotAllowed` with the union of their methods (sorted, `HEAD` added
//! next to `GET`), for the `Allow` header of a 405. Note that a route which
//! fits path and host but not the method is skipped, so a later route (even a
//! catch-all `/*`) may still answer that method.
//!
//! # Cost per request
//!
//! Matching does not scan the routes: exact paths are one `HashMap` lookup;
//! param and prefix patterns live in one segment trie (literal children in a
//! `HashMap`, one parameter child per node). The trie walk keeps the *set* of
//! nodes reachable after each segment (a literal and a parameter child may
//! both fit), so it never backtracks and visits each trie node at most once:
//! cost O(path segments × matching trie nodes), independent of the number of
//! routes. Prefixes are found on the literal walk from the root (every prefix
//! node passed is a candidate; the deepest ranks first). Only regex routes are
//! tried one by one, in match order, and only while one of them could still
//! beat the best candidate found so far.
//!
//! # Config errors found by [`RouteTable::build`]
//!
//! - **Ties**: two routes with the same pattern shape (param names ignored),
//!   the same host, overlapping methods and equal priority — the order would
//!   be decided by file position alone, which is almost always a mistake.
//! - **Unreachable routes**: a route whose every request is taken by a route
//!   earlier in the match order with the same (or no) host and a superset of
//!   its methods: a duplicate with lower priority; anything (exact, param,
//!   prefix, regex) under a prefix that precedes it (a regex is under `/api/*`
//!   when it starts with `^/api/`); an exact path taken by a higher-priority
//!   param route; or anything under an earlier regex that is nothing but
//!   `^literal` (`^/api` takes every path starting with `/api`, so a later
//!   `~ ^/api/v1` or, with priority, `/api/x` never matches). Beyond these
//!   shapes the check does not try to decide regex inclusion.
//!
//! Every error names both routes and their lines.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::fmt;

use super::host::HostPattern;
use super::pattern::{segments_to_string, PathPattern, Segment};

/// One route as the config defines it.
#[derive(Debug, Clone)]
pub struct RouteDef {
    /// The route's name (`route NAME { … }`).
    pub name: String,
    /// Its path pattern.
    pub path: PathPattern,
    /// Optional host condition.
    pub host: Option<HostPattern>,
    /// Optional method list; `None` accepts every method.
    pub methods: Option<Vec<String>>,
    /// Optional priority (default 0, higher wins).
    pub priority: Option<i64>,
    /// Config line of the route, for errors.
    pub line: usize,
}

/// The answer of [`RouteTable::find`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteMatch {
    /// A route answers.
    Found {
        /// Index into the defs as given to `build`.
        route: usize,
        /// Param route: `(name, value)` in pattern order, values as in the path.
        params: Vec<(String, String)>,
        /// Regex route: group `n` at index `n` (0 = whole match); empty otherwise.
        captures: Vec<Option<String>>,
    },
    /// No route has this path (on this host): 404.
    NotFound,
    /// Routes have this path but not this method: 405 with `Allow`.
    MethodNotAllowed {
        /// Sorted, deduplicated methods that would be accepted.
        allow: Vec<String>,
    },
}

/// A conflict between two routes, found when the table is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableError {
    /// Line of the route at fault (the later or the unreachable one).
    pub line: usize,
    /// Line of the other route involved.
    pub other_line: usize,
    /// What is wrong, naming both routes and their lines.
    pub message: String,
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for TableError {}

/// One node of the segment trie.
#[derive(Debug, Default)]
struct Node {
    literal: HashMap<String, usize>,
    param: Option<usize>,
    /// Param routes whose last segment ends here.
    param_routes: Vec<usize>,
    /// Prefix routes whose prefix ends here.
    prefix_routes: Vec<usize>,
}

/// The built, immutable route table.
#[derive(Debug)]
pub struct RouteTable {
    defs: Vec<RouteDef>,
    order: Vec<usize>,
    rank: Vec<usize>,
    exact: HashMap<String, Vec<usize>>,
    trie: Vec<Node>,
    /// Regex routes, in match order.
    regexes: Vec<usize>,
}

const ROOT: usize = 0;

/// Kind order: exact, param, prefix, regex.
fn kind_rank(p: &PathPattern) -> u8 {
    match p {
        PathPattern::Exact(_) => 0,
        PathPattern::Param { .. } => 1,
        PathPattern::Prefix(_) => 2,
        PathPattern::Regex(_) => 3,
    }
}

/// The match-order key of a route (see the module doc).
type SortKey = (
    Reverse<i64>,
    u8,
    Reverse<usize>,
    Vec<u8>,
    (u8, Reverse<usize>),
    usize,
);

fn sort_key(i: usize, d: &RouteDef) -> SortKey {
    let (depth, shape) = match &d.path {
        PathPattern::Param { segments } => (
            0,
            segments
                .iter()
                .map(|s| u8::from(matches!(s, Segment::Param(_))))
                .collect(),
        ),
        PathPattern::Prefix(p) => (prefix_segments(p).count(), Vec::new()),
        _ => (0, Vec::new()),
    };
    let host = d.host.as_ref().map_or((2, Reverse(0)), HostPattern::rank);
    (
        Reverse(d.priority.unwrap_or(0)),
        kind_rank(&d.path),
        Reverse(depth),
        shape,
        host,
        i,
    )
}

/// The literal segments of a prefix (`"/a/b/"` -> `a`, `b`; `"/"` -> none).
fn prefix_segments(p: &str) -> impl Iterator<Item = &str> {
    p.split('/').filter(|s| !s.is_empty())
}

/// The segments of a normalised path after the leading `/` (`"/"` -> `[""]`).
fn path_segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').skip(1)
}

/// Whether `d` accepts `method` (HEAD rides on GET).
fn accepts(d: &RouteDef, method: &str) -> bool {
    match &d.methods {
        None => true,
        Some(list) => list
            .iter()
            .any(|m| m == method || (method == "HEAD" && m == "GET")),
    }
}

/// The methods `d` accepts, with the implied HEAD; `None` = all.
fn effective_methods(d: &RouteDef) -> Option<Vec<&str>> {
    let list = d.methods.as_ref()?;
    let mut out: Vec<&str> = list.iter().map(String::as_str).collect();
    if out.contains(&"GET") && !out.contains(&"HEAD") {
        out.push("HEAD");
    }
    Some(out)
}

/// Whether `a`'s methods include all of `b`'s.
fn methods_cover(a: &RouteDef, b: &RouteDef) -> bool {
    match (effective_methods(a), effective_methods(b)) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(am), Some(bm)) => bm.iter().all(|m| am.contains(m)),
    }
}

fn methods_overlap(a: &RouteDef, b: &RouteDef) -> bool {
    match (effective_methods(a), effective_methods(b)) {
        (Some(am), Some(bm)) => am.iter().any(|m| bm.contains(m)),
        _ => true,
    }
}

/// Whether every request that reaches `b` on its host also reaches `a`'s host condition.
fn host_covers(a: &RouteDef, b: &RouteDef) -> bool {
    match (&a.host, &b.host) {
        (None, _) => true,
        (Some(ha), Some(hb)) => ha == hb,
        (Some(_), None) => false,
    }
}

/// The pattern's shape: equal shapes match exactly the same paths.
fn shape(p: &PathPattern) -> String {
    match p {
        PathPattern::Exact(e) => format!("exact {e}"),
        PathPattern::Param { segments } => format!("param {}", segments_to_string(segments, false)),
        PathPattern::Prefix(x) => format!("prefix {x}"),
        PathPattern::Regex(re) => format!("regex {}", re.as_str()),
    }
}

fn describe(d: &RouteDef) -> String {
    format!("route `{}` (line {})", d.name, d.line)
}

impl RouteTable {
    /// Build the table, or report every tie and unreachable route.
    pub fn build(defs: Vec<RouteDef>) -> Result<RouteTable, Vec<TableError>> {
        let mut order: Vec<usize> = (0..defs.len()).collect();
        let keys: Vec<SortKey> = defs
            .iter()
            .enumerate()
            .map(|(i, d)| sort_key(i, d))
            .collect();
        order.sort_by(|&a, &b| keys.get(a).cmp(&keys.get(b)));
        let mut rank = vec![0; defs.len()];
        for (pos, &i) in order.iter().enumerate() {
            if let Some(r) = rank.get_mut(i) {
                *r = pos;
            }
        }

        let mut table = RouteTable {
            defs: Vec::new(),
            order,
            rank,
            exact: HashMap::new(),
            trie: vec![Node::default()],
            regexes: Vec::new(),
        };
        for &i in &table.order.clone() {
            let Some(d) = defs.get(i) else { continue };
            match &d.path {
                PathPattern::Exact(p) => table.exact.entry(p.clone()).or_default().push(i),
                PathPattern::Param { segments } => {
                    let node = table.insert_param(segments);
                    if let Some(n) = table.trie.get_mut(node) {
                        n.param_routes.push(i);
                    }
                }
                PathPattern::Prefix(p) => {
                    let node = table.insert_literals(prefix_segments(p));
                    if let Some(n) = table.trie.get_mut(node) {
                        n.prefix_routes.push(i);
                    }
                }
                PathPattern::Regex(_) => table.regexes.push(i),
            }
        }
        table.defs = defs;
        let errors = table.conflicts();
        if errors.is_empty() {
            Ok(table)
        } else {
            Err(errors)
        }
    }

    fn child(&mut self, node: usize, segment: Option<&str>) -> usize {
        let next = self.trie.len();
        let Some(n) = self.trie.get_mut(node) else {
            return ROOT;
        };
        let existing = match segment {
            Some(s) => *n.literal.entry(s.to_string()).or_insert(next),
            None => *n.param.get_or_insert(next),
        };
        if existing == next {
            self.trie.push(Node::default());
        }
        existing
    }

    fn insert_literals<'a>(&mut self, segments: impl Iterator<Item = &'a str>) -> usize {
        let mut node = ROOT;
        for s in segments {
            node = self.child(node, Some(s));
        }
        node
    }

    fn insert_param(&mut self, segments: &[Segment]) -> usize {
        let mut node = ROOT;
        for s in segments {
            node = match s {
                Segment::Literal(l) => self.child(node, Some(l)),
                Segment::Param(_) => self.child(node, None),
            };
        }
        node
    }

    /// The route definition at `i` (as given to `build`).
    pub fn def(&self, i: usize) -> Option<&RouteDef> {
        self.defs.get(i)
    }

    /// Route indices in the order they are tried.
    pub fn routes_in_match_order(&self) -> Vec<usize> {
        self.order.clone()
    }

    fn rank_of(&self, i: usize) -> usize {
        self.rank.get(i).copied().unwrap_or(usize::MAX)
    }

    /// Which route answers `method` `host` `path`; `path` must be normalised
    /// (`http::uri::normalize_target`), `host` is the `Host` header (port allowed).
    pub fn find(&self, method: &str, host: Option<&str>, path: &str) -> RouteMatch {
        if !path.starts_with('/') {
            return RouteMatch::NotFound;
        }
        let mut found = Candidates {
            best: None,
            allow: Vec::new(),
            any_path: false,
        };
        let segments: Vec<&str> = path_segments(path).collect();

        if let Some(list) = self.exact.get(path) {
            for &r in list {
                self.consider(&mut found, r, method, host);
            }
        }
        for node in self.param_nodes(&segments) {
            for &r in &node.param_routes {
                self.consider(&mut found, r, method, host);
            }
        }
        let mut node = self.trie.get(ROOT);
        let mut rest = segments.iter();
        while let Some(n) = node {
            for &r in &n.prefix_routes {
                self.consider(&mut found, r, method, host);
            }
            node = rest
                .next()
                .and_then(|s| n.literal.get(*s))
                .and_then(|&c| self.trie.get(c));
        }
        for &r in &self.regexes {
            if found.best.is_some_and(|(rank, _)| rank < self.rank_of(r)) {
                break; // regexes are in match order: none of the rest can win
            }
            let is_match = match self.defs.get(r).map(|d| &d.path) {
                Some(PathPattern::Regex(re)) => self.host_fits(r, host) && re.is_match(path),
                _ => false,
            };
            if is_match {
                self.consider(&mut found, r, method, host);
            }
        }

        match found.best {
            Some((_, route)) => self.found(route, &segments, path),
            None if found.any_path => {
                found.allow.sort();
                found.allow.dedup();
                RouteMatch::MethodNotAllowed { allow: found.allow }
            }
            None => RouteMatch::NotFound,
        }
    }

    /// The `host` patterns under which `method path` would find a route (or a
    /// 405), for explaining a 404 (`gatelite route`). Not for the request
    /// path: it runs [`RouteTable::find`] once per distinct host pattern.
    pub fn hosts_with_route(&self, method: &str, path: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for h in self.defs.iter().filter_map(|d| d.host.as_ref()) {
            let sample = match h {
                HostPattern::Exact(name) => name.clone(),
                HostPattern::Wildcard(suffix) => format!("x{suffix}"),
            };
            let shown = h.to_config_string();
            if self.find(method, Some(&sample), path) != RouteMatch::NotFound
                && !out.contains(&shown)
            {
                out.push(shown);
            }
        }
        out
    }

    /// Trie nodes reached by the whole path (literal and param edges), each once.
    fn param_nodes(&self, segments: &[&str]) -> Vec<&Node> {
        let mut active: Vec<&Node> = self.trie.get(ROOT).into_iter().collect();
        for s in segments {
            let mut next = Vec::new();
            for n in &active {
                if let Some(c) = n.literal.get(*s).and_then(|&c| self.trie.get(c)) {
                    next.push(c);
                }
                if !s.is_empty() {
                    if let Some(c) = n.param.and_then(|c| self.trie.get(c)) {
                        next.push(c);
                    }
                }
            }
            if next.is_empty() {
                return next;
            }
            active = next;
        }
        active
    }

    fn host_fits(&self, r: usize, host: Option<&str>) -> bool {
        match self.defs.get(r).and_then(|d| d.host.as_ref()) {
            None => true,
            Some(p) => host.is_some_and(|h| p.matches(h)),
        }
    }

    /// Route `r` fits the path: keep it if host and method fit and it ranks best.
    fn consider(&self, found: &mut Candidates, r: usize, method: &str, host: Option<&str>) {
        let Some(d) = self.defs.get(r) else { return };
        if !self.host_fits(r, host) {
            return;
        }
        found.any_path = true;
        if accepts(d, method) {
            let rank = self.rank_of(r);
            if found.best.is_none_or(|(b, _)| rank < b) {
                found.best = Some((rank, r));
            }
        } else if let Some(methods) = effective_methods(d) {
            found.allow.extend(methods.into_iter().map(String::from));
        }
    }

    fn found(&self, route: usize, segments: &[&str], path: &str) -> RouteMatch {
        let mut params = Vec::new();
        let mut captures = Vec::new();
        match self.defs.get(route).map(|d| &d.path) {
            Some(PathPattern::Param { segments: pattern }) => {
                for (p, s) in pattern.iter().zip(segments) {
                    if let Segment::Param(name) = p {
                        params.push((name.clone(), (*s).to_string()));
                    }
                }
            }
            Some(PathPattern::Regex(re)) => {
                if let Some(spans) = re.captures(path) {
                    captures = spans
                        .into_iter()
                        .map(|span| span.and_then(|(a, b)| path.get(a..b)).map(String::from))
                        .collect();
                }
            }
            _ => {}
        }
        RouteMatch::Found {
            route,
            params,
            captures,
        }
    }

    /// Ties and unreachable routes (see the module doc).
    fn conflicts(&self) -> Vec<TableError> {
        let mut errors = Vec::new();
        let mut unreachable = vec![false; self.defs.len()];
        // Same shape and host: ties, or a lower-priority duplicate.
        let mut groups: HashMap<(String, Option<String>), Vec<usize>> = HashMap::new();
        for (i, d) in self.defs.iter().enumerate() {
            let host = d.host.as_ref().map(HostPattern::to_config_string);
            groups.entry((shape(&d.path), host)).or_default().push(i);
        }
        let mut group_list: Vec<&Vec<usize>> = groups.values().collect();
        group_list.sort();
        for group in group_list {
            for (k, &b) in group.iter().enumerate() {
                for &a in group.iter().take(k) {
                    let (Some(da), Some(db)) = (self.defs.get(a), self.defs.get(b)) else {
                        continue;
                    };
                    if da.methods.as_ref().is_some_and(Vec::is_empty) {
                        continue;
                    }
                    if !methods_overlap(da, db) {
                        continue;
                    }
                    let (pa, pb) = (da.priority.unwrap_or(0), db.priority.unwrap_or(0));
                    if pa == pb {
                        errors.push(TableError {
                            line: db.line,
                            other_line: da.line,
                            message: format!(
                                "{} ties with {}: same path pattern, host and methods, and equal priority; \
                                 give one a `priority` or different `methods`",
                                describe(db),
                                describe(da)
                            ),
                        });
                    } else {
                        let (win, lose) = if pa > pb { (da, db) } else { (db, da) };
                        let lose_i = if pa > pb { b } else { a };
                        if methods_cover(win, lose)
                            && !unreachable.get(lose_i).copied().unwrap_or(true)
                        {
                            errors.push(self.unreachable(
                                lose,
                                win,
                                "has the same pattern and a higher priority",
                            ));
                            if let Some(u) = unreachable.get_mut(lose_i) {
                                *u = true;
                            }
                        }
                    }
                }
            }
        }
        for (b, db) in self.defs.iter().enumerate() {
            if db.methods.as_ref().is_some_and(Vec::is_empty) {
                errors.push(TableError {
                    line: db.line,
                    other_line: db.line,
                    message: format!(
                        "{} has an empty `methods` list and can never match",
                        describe(db)
                    ),
                });
                continue;
            }
            if unreachable.get(b).copied().unwrap_or(true) {
                continue;
            }
            if let Some((a, why)) = self.covered_by(b) {
                if let Some(da) = self.defs.get(a) {
                    errors.push(self.unreachable(db, da, &why));
                }
            }
        }
        errors.sort_by_key(|e| (e.line, e.other_line));
        errors
    }

    fn unreachable(&self, lose: &RouteDef, win: &RouteDef, why: &str) -> TableError {
        TableError {
            line: lose.line,
            other_line: win.line,
            message: format!(
                "{} can never match: {} comes first in match order, {why}, with the same host and all its methods",
                describe(lose),
                describe(win)
            ),
        }
    }

    /// An earlier-ranked route (other than a same-shape one) that takes every request of `b`.
    fn covered_by(&self, b: usize) -> Option<(usize, String)> {
        let db = self.defs.get(b)?;
        let takes = |a: usize| {
            a != b
                && self.rank_of(a) < self.rank_of(b)
                && self
                    .defs
                    .get(a)
                    .is_some_and(|da| host_covers(da, db) && methods_cover(da, db))
        };
        // Prefixes along the literal walk of b's leading literal segments.
        let literals: Vec<&str> = match &db.path {
            PathPattern::Exact(p) => path_segments(p).collect(),
            PathPattern::Param { segments } => segments
                .iter()
                .map_while(|s| match s {
                    Segment::Literal(l) => Some(l.as_str()),
                    Segment::Param(_) => None,
                })
                .collect(),
            PathPattern::Prefix(p) => {
                let mut v: Vec<&str> = prefix_segments(p).collect();
                v.pop(); // its own node is the same shape, handled as a tie/duplicate
                v
            }
            // `^/api/v1/x…` only matches under `/api/` and `/api/v1/`: the
            // whole segments of its literal prefix.
            PathPattern::Regex(re) => match re.literal_prefix() {
                Some(lp) => lp
                    .text
                    .rsplit_once('/')
                    .map_or(Vec::new(), |(whole, _)| path_segments(whole).collect()),
                None => Vec::new(),
            },
        };
        let is_catch_all = matches!(db.path, PathPattern::Prefix(ref p) if p == "/");
        let mut node = self.trie.get(ROOT);
        let mut rest = literals.iter();
        let mut first = true;
        while let Some(n) = node {
            if !(is_catch_all && first) {
                if let Some(&a) = n.prefix_routes.iter().find(|&&a| takes(a)) {
                    return Some((
                        a,
                        "a prefix route that covers every path it can match".into(),
                    ));
                }
            }
            first = false;
            node = rest
                .next()
                .and_then(|s| n.literal.get(*s))
                .and_then(|&c| self.trie.get(c));
        }
        if let PathPattern::Exact(p) = &db.path {
            let segments: Vec<&str> = path_segments(p).collect();
            for n in self.param_nodes(&segments) {
                if let Some(&a) = n.param_routes.iter().find(|&&a| takes(a)) {
                    return Some((a, "a param route that matches this path".into()));
                }
            }
        }
        // A regex that is only `^literal` takes every path starting with it.
        let starts_with = path_start(&db.path)?;
        self.regexes.iter().find_map(|&a| {
            let da = self.defs.get(a)?;
            let PathPattern::Regex(re) = &da.path else {
                return None;
            };
            let lp = re.literal_prefix().filter(|lp| lp.complete)?;
            let same_group = shape(&da.path) == shape(&db.path) && da.host == db.host;
            (!same_group && takes(a) && starts_with.starts_with(&lp.text)).then(|| {
                (
                    a,
                    format!(
                        "a regex route that matches every path starting with `{}`",
                        lp.text
                    ),
                )
            })
        })
    }
}

/// Text that every path `p` matches starts with (`None`: nothing known).
fn path_start(p: &PathPattern) -> Option<String> {
    match p {
        PathPattern::Exact(e) => Some(e.clone()),
        PathPattern::Param { segments } => {
            let mut out = String::from("/");
            for s in segments {
                match s {
                    Segment::Literal(l) => {
                        out.push_str(l);
                        out.push('/');
                    }
                    Segment::Param(_) => return Some(out),
                }
            }
            Some(out) // not reached: a param pattern has a parameter
        }
        // `/api/` matches `/api` too; `/` is every path.
        PathPattern::Prefix(x) if x == "/" => Some(x.clone()),
        PathPattern::Prefix(x) => Some(x.strip_suffix('/').unwrap_or(x).to_string()),
        PathPattern::Regex(re) => re.literal_prefix().map(|lp| lp.text.clone()),
    }
}

struct Candidates {
    /// (rank, route) of the best route that fits path, host and method.
    best: Option<(usize, usize)>,
    /// Methods of routes that fit path and host but not the method.
    allow: Vec<String>,
    /// Whether any route fit path and host.
    any_path: bool,
}

#[cfg(test)]
mod tests;
