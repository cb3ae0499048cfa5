//! Routing: which route answers a request, from its host, method and path.
//!
//! The router is pure data and functions, built once per config load and
//! shared read-only by every worker; it does no I/O and never panics on a
//! request. The pieces:
//!
//! - [`pattern`]: the four path pattern kinds (exact, `{param}`, `prefix/*`, `~ regex`);
//! - [`host`]: `host` conditions, exact or `*.suffix`;
//! - [`table`]: the [`RouteTable`] with the precedence rules and the
//!   config-time conflict checks (ties, unreachable routes);
//! - [`rewrite`]: `rewrite` templates and `strip_prefix` for the upstream path;
//! - [`regex`]: a linear-time (Thompson NFA + Pike VM) regex engine, because a
//!   backtracking one would let a crafted path hang a worker.
//!
//! Paths are matched after `http::uri::normalize_target`, so one route sees one
//! spelling of a path. Route kind order without `priority`: exact > param >
//! prefix (longest first) > regex (file order); [`table`] has the full rules.

pub mod host;
pub mod pattern;
pub mod regex;
pub mod rewrite;
pub mod table;

pub use host::HostPattern;
pub use pattern::{PathPattern, PatternError, Segment};
pub use regex::{Regex, RegexError};
pub use rewrite::{strip_prefix, RewriteTemplate};
pub use table::{RouteDef, RouteMatch, RouteTable, TableError};
