//! Path patterns: the four kinds a route's `path` directive can take.
//!
//! ```text
//! path /health;            Exact    the path, nothing else
//! path /users/{id}/posts;  Param    whole segments are literals or {name}s
//! path /static/*;          Prefix   /static and everything under /static/
//! path ~ ^/v[0-9]+/;       Regex    the linear-time engine in `regex/`
//! ```
//!
//! Patterns are checked against the *normalised* path (see `http::uri`), so a
//! pattern that no normalised path can equal (`//`, `.` or `..` segments, a
//! `%` escape of an unreserved character) is refused here instead of silently
//! never matching. A parameter is a whole segment (`/x{p}` is refused: partial
//! segments make precedence ambiguous), matches one non-empty segment, and
//! names are unique within a pattern. A prefix ends in `/*` and is whole
//! segments too: `/static/*` never matches `/staticfoo`.

use std::fmt;

use super::regex::Regex;

/// Why a pattern (path, host or rewrite template) was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    /// 1-based character column in the pattern text.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for PatternError {}

pub(crate) fn pattern_err<T>(column: usize, message: impl Into<String>) -> Result<T, PatternError> {
    Err(PatternError {
        column,
        message: message.into(),
    })
}

/// One segment of a [`PathPattern::Param`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Must equal this text.
    Literal(String),
    /// Matches any one non-empty segment and binds it to this name.
    Param(String),
}

/// A route's path pattern.
#[derive(Debug, Clone)]
pub enum PathPattern {
    /// The whole path equals this.
    Exact(String),
    /// Segment by segment (the path `/a/b/` has segments `a`, `b`, ``).
    Param {
        /// The segments after the leading `/`.
        segments: Vec<Segment>,
    },
    /// The path is this (ends in `/`) or starts with it; also the path
    /// without the trailing `/` (`Prefix("/x/")` matches `/x`). `"/"` is everything.
    Prefix(String),
    /// The regex matches (unanchored unless it uses `^`/`$`).
    Regex(Regex),
}

impl PathPattern {
    /// Parse the words of a `path` directive; `is_regex` for `path ~ PATTERN`.
    pub fn parse(text: &str, is_regex: bool) -> Result<PathPattern, PatternError> {
        if is_regex {
            return Regex::new(text)
                .map(PathPattern::Regex)
                .map_err(|e| PatternError {
                    column: e.column,
                    message: e.message,
                });
        }
        if !text.starts_with('/') {
            return pattern_err(
                1,
                "a path must start with '/' (use `path ~ ...` for a regex)",
            );
        }
        for (i, c) in text.chars().enumerate() {
            if !c.is_ascii_graphic() || c == '?' || c == '#' || c == '\\' {
                return pattern_err(
                    i + 1,
                    format!("character {c:?} cannot appear in a normalised path"),
                );
            }
        }
        let (body, is_prefix) = match text.strip_suffix("/*") {
            Some(b) => (b, true),
            None => (text, false),
        };
        if let Some(i) = body.find('*') {
            return pattern_err(i + 1, "'*' is only allowed as the last segment: `/x/*`");
        }
        // Segments after the leading '/', with the column where each starts.
        let mut segments = Vec::new();
        let mut column = 2;
        for s in body.split('/').skip(1) {
            segments.push((s, column));
            column += s.chars().count() + 1;
        }
        let last = segments.len().saturating_sub(1);
        let mut params: Vec<Segment> = Vec::new();
        let mut names: Vec<&str> = Vec::new();
        for (i, &(s, col)) in segments.iter().enumerate() {
            let trailing_slash = i == last && !is_prefix;
            if (s.is_empty() && !(trailing_slash || body == "/" || body.is_empty()))
                || s == "."
                || s == ".."
            {
                return pattern_err(
                    col,
                    format!("segment {s:?} never appears in a normalised path"),
                );
            }
            check_escapes(s, col)?;
            if let Some(inner) = s.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
                if inner.is_empty() {
                    return pattern_err(col, "empty parameter name '{}'");
                }
                if let Some((j, c)) = inner
                    .char_indices()
                    .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_'))
                {
                    return pattern_err(
                        col + 1 + j,
                        format!("{c:?} is not allowed in a parameter name"),
                    );
                }
                if names.contains(&inner) {
                    return pattern_err(col, format!("duplicate parameter name '{inner}'"));
                }
                names.push(inner);
                params.push(Segment::Param(inner.to_string()));
            } else if let Some(j) = s.find(['{', '}']) {
                return pattern_err(
                    col + j,
                    "a parameter must be a whole segment: `/x/{name}/y`",
                );
            } else {
                params.push(Segment::Literal(s.to_string()));
            }
        }
        if is_prefix {
            if !names.is_empty() {
                return pattern_err(1, "a prefix pattern cannot have parameters");
            }
            return Ok(PathPattern::Prefix(format!("{body}/")));
        }
        if names.is_empty() {
            Ok(PathPattern::Exact(text.to_string()))
        } else {
            Ok(PathPattern::Param { segments: params })
        }
    }

    /// Names of the `{params}`, in order (empty for other kinds).
    pub fn param_names(&self) -> Vec<&str> {
        match self {
            PathPattern::Param { segments } => segments
                .iter()
                .filter_map(|s| match s {
                    Segment::Param(n) => Some(n.as_str()),
                    Segment::Literal(_) => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Number of regex groups including group 0 (0 for other kinds).
    pub fn capture_groups(&self) -> usize {
        match self {
            PathPattern::Regex(re) => re.captures_len(),
            _ => 0,
        }
    }

    /// The pattern as written in the config (a prefix shows as `/x/*`).
    pub fn to_config_string(&self) -> String {
        match self {
            PathPattern::Exact(p) => p.clone(),
            PathPattern::Prefix(p) => format!("{p}*"),
            PathPattern::Regex(re) => format!("~ {}", re.as_str()),
            PathPattern::Param { segments } => segments_to_string(segments, true),
        }
    }
}

/// `/a/{id}`; with `names == false` params show as `{}` (the pattern's shape).
pub(crate) fn segments_to_string(segments: &[Segment], names: bool) -> String {
    let mut out = String::new();
    for s in segments {
        out.push('/');
        match s {
            Segment::Literal(l) => out.push_str(l),
            Segment::Param(n) if names => {
                out.push('{');
                out.push_str(n);
                out.push('}');
            }
            Segment::Param(_) => out.push_str("{}"),
        }
    }
    out
}

/// A normalised path never holds `%XX` of an unreserved character, nor lowercase hex.
fn check_escapes(segment: &str, column: usize) -> Result<(), PatternError> {
    let bytes = segment.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b != b'%' {
            continue;
        }
        let hex = segment
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        let upper = segment
            .get(i + 1..i + 3)
            .is_some_and(|h| !h.bytes().any(|c| c.is_ascii_lowercase()));
        match hex {
            Some(v)
                if upper
                    && !(v.is_ascii_alphanumeric() || matches!(v, b'-' | b'.' | b'_' | b'~')) => {}
            _ => {
                return pattern_err(
                    column + i,
                    "a normalised path only keeps '%XX' (uppercase) for reserved characters",
                )
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Segment {
        Segment::Literal(s.into())
    }
    fn par(s: &str) -> Segment {
        Segment::Param(s.into())
    }

    #[test]
    fn kinds() {
        assert!(matches!(PathPattern::parse("/x", false), Ok(PathPattern::Exact(p)) if p == "/x"));
        assert!(matches!(PathPattern::parse("/", false), Ok(PathPattern::Exact(p)) if p == "/"));
        assert!(
            matches!(PathPattern::parse("/x/", false), Ok(PathPattern::Exact(p)) if p == "/x/")
        );
        assert!(
            matches!(PathPattern::parse("/x/*", false), Ok(PathPattern::Prefix(p)) if p == "/x/")
        );
        assert!(matches!(PathPattern::parse("/*", false), Ok(PathPattern::Prefix(p)) if p == "/"));
        assert!(matches!(
            PathPattern::parse("/a%2Fb", false),
            Ok(PathPattern::Exact(_))
        ));
        assert!(matches!(
            PathPattern::parse("^/v[0-9]+/", true),
            Ok(PathPattern::Regex(_))
        ));
        match PathPattern::parse("/x/{p}/y/{q_2}", false).unwrap() {
            PathPattern::Param { segments } => {
                assert_eq!(segments, vec![lit("x"), par("p"), lit("y"), par("q_2")])
            }
            other => panic!("{other:?}"),
        }
        let p = PathPattern::parse("/x/{p}/y/{q}/", false).unwrap();
        assert_eq!(p.param_names(), vec!["p", "q"]);
        assert_eq!(p.to_config_string(), "/x/{p}/y/{q}/");
    }

    #[test]
    fn errors_with_columns() {
        let cases = [
            ("x", 1, "start with '/'"),
            ("/x/{}", 4, "empty parameter"),
            ("/x{p}", 3, "whole segment"),
            ("/x/{p}a", 4, "whole segment"),
            ("/{a}/{a}", 6, "duplicate"),
            ("/{a-b}", 4, "not allowed"),
            ("/x*", 3, "last segment"),
            ("/x/*/y", 4, "last segment"),
            ("/a//b", 4, "never appears"),
            ("/a/./b", 4, "never appears"),
            ("/a/../b", 4, "never appears"),
            ("/a b", 3, "cannot appear"),
            ("/%7e", 2, "%XX"),
            ("/a%2f", 3, "%XX"),
            ("/{p}/*", 1, "prefix"),
            ("^(a", 2, "never closed"),
        ];
        for (i, (text, column, msg)) in cases.iter().enumerate() {
            let is_regex = i == cases.len() - 1;
            let e = PathPattern::parse(text, is_regex).unwrap_err();
            assert_eq!(e.column, *column, "{text}: {e}");
            assert!(e.message.contains(msg), "{text}: {e}");
        }
    }
}
