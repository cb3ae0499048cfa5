//! Path rewriting for the upstream request: `rewrite` templates and `strip_prefix`.
//!
//! A template is checked once, when the config loads, against the route's
//! pattern, so a typo is a config error rather than an empty string at request
//! time:
//!
//! ```text
//! route users { path /users/{id};        rewrite /v2/users/{id}; }
//! route v     { path ~ ^/v(\d+)/(.*)$;   rewrite /api/$2?version=$1; }
//! ```
//!
//! `{name}` inserts a path parameter (it must be one of the pattern's names),
//! `$n` inserts regex group `n` (`$0` is the whole match; `n` must exist), `$$`
//! is a literal `$`. A group that did not take part inserts nothing. Values are
//! inserted as they appear in the normalised path (still percent-encoded
//! where they were), so no new `/` or `..` can be smuggled in by decoding.
//!
//! The upstream receives a *normalised* path (DESIGN.md §4) whatever the
//! template did: the path part of the result goes through
//! `http::uri::normalize_target` again, so an empty group in `/$1/x` gives
//! `/x`, not `//x`. The literal text of a template must itself be a
//! normalised path (no `.`/`..`/empty segments, no `\`, `#` or bad `%`
//! escape); that is checked when the config loads. A `?` in the template
//! starts a query of its own: the client's query is appended after it with
//! `&`, as nginx's `rewrite` does ([`upstream_target`]).

use super::pattern::{pattern_err, PatternError};
use crate::http::uri::normalize_target;

/// Longest rewrite template accepted, in bytes.
pub const MAX_TEMPLATE_LEN: usize = 2048;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Param(String),
    Group(usize),
}

/// A parsed `rewrite` template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewriteTemplate {
    pieces: Vec<Piece>,
}

impl RewriteTemplate {
    /// Parse `text`; `params` are the route's parameter names and
    /// `capture_groups` the number of regex groups including group 0
    /// (`Regex::captures_len`; 0 for non-regex routes, so no `$n` at all).
    pub fn parse(
        text: &str,
        params: &[&str],
        capture_groups: usize,
    ) -> Result<RewriteTemplate, PatternError> {
        if text.len() > MAX_TEMPLATE_LEN {
            return pattern_err(1, format!("template longer than {MAX_TEMPLATE_LEN} bytes"));
        }
        if !text.starts_with('/') {
            return pattern_err(1, "a rewrite must start with '/'");
        }
        let chars: Vec<char> = text.chars().collect();
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut i = 0;
        while let Some(&c) = chars.get(i) {
            let column = i + 1;
            match c {
                '{' => {
                    let close = chars.iter().skip(i).position(|&c| c == '}').map(|p| p + i);
                    let Some(close) = close else {
                        return pattern_err(column, "'{' is never closed");
                    };
                    let name: String = chars.iter().take(close).skip(i + 1).collect();
                    if !params.contains(&name.as_str()) {
                        let known = if params.is_empty() {
                            "none".to_string()
                        } else {
                            params.join(", ")
                        };
                        return pattern_err(
                            column,
                            format!("unknown parameter '{{{name}}}' (known: {known})"),
                        );
                    }
                    flush(&mut literal, &mut pieces);
                    pieces.push(Piece::Param(name));
                    i = close + 1;
                }
                '}' => return pattern_err(column, "'}' without '{'"),
                '$' if chars.get(i + 1) == Some(&'$') => {
                    literal.push('$');
                    i += 2;
                }
                '$' => {
                    let digits: String = chars
                        .iter()
                        .skip(i + 1)
                        .take_while(|c| c.is_ascii_digit())
                        .collect();
                    if digits.is_empty() {
                        return pattern_err(
                            column,
                            "'$' must be followed by a group number (or write '$$')",
                        );
                    }
                    let n = digits.parse::<usize>().unwrap_or(usize::MAX);
                    if n >= capture_groups {
                        let have = capture_groups.saturating_sub(1);
                        return pattern_err(
                            column,
                            format!("group ${n} does not exist (the pattern has {have})"),
                        );
                    }
                    flush(&mut literal, &mut pieces);
                    pieces.push(Piece::Group(n));
                    i += 1 + digits.len();
                }
                c if c.is_ascii_graphic() => {
                    literal.push(c);
                    i += 1;
                }
                c => {
                    return pattern_err(column, format!("character {c:?} cannot appear in a path"))
                }
            }
        }
        flush(&mut literal, &mut pieces);
        check_literal_text(&chars)?;
        Ok(RewriteTemplate { pieces })
    }

    /// Build the new path (and the template's own query, if it has a `?`)
    /// from the match's params and captures (as in `RouteMatch::Found`). The
    /// path part comes out normalised; see the module doc.
    pub fn apply(&self, params: &[(String, String)], captures: &[Option<String>]) -> String {
        let out = self.substitute(params, captures);
        match normalize_target(&out) {
            Ok(n) => match n.query {
                Some(q) => format!("{}?{q}", n.path),
                None => n.path,
            },
            // Only a capture that is part of a segment, next to literal dots
            // (`/x$1` with `$1 = ".."`), can get here: never send a path
            // that climbs, send the root.
            Err(_) => "/".to_string(),
        }
    }

    /// The template with its pieces filled in, before normalisation.
    fn substitute(&self, params: &[(String, String)], captures: &[Option<String>]) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Param(name) => {
                    if let Some((_, v)) = params.iter().find(|(n, _)| n == name) {
                        out.push_str(v);
                    }
                }
                Piece::Group(n) => {
                    if let Some(Some(v)) = captures.get(*n) {
                        out.push_str(v);
                    }
                }
            }
        }
        out
    }
}

/// The template's literal path must already be normalised: with every
/// `{param}` and `$n` taken as a placeholder segment text, its path part (up
/// to the first `?`) may hold no `.`, `..` or empty segment (except a
/// trailing `/`), no `\` or `#`, and only `%XX` escapes with two hex digits.
fn check_literal_text(chars: &[char]) -> Result<(), PatternError> {
    let path_end = chars.iter().position(|&c| c == '?').unwrap_or(chars.len());
    let mut segment_start = 1; // after the leading '/'
    let mut i = 1;
    // A placeholder counts as a non-dot segment character.
    let mut dynamic = false;
    while i <= path_end {
        let c = chars.get(i).copied();
        if i == path_end || c == Some('/') {
            let segment: String = chars
                .get(segment_start..i)
                .unwrap_or_default()
                .iter()
                .collect();
            let is_last = i == path_end;
            let bad =
                !dynamic && (segment == "." || segment == ".." || (segment.is_empty() && !is_last));
            if bad {
                return pattern_err(
                    segment_start + 1,
                    format!("segment {segment:?} never appears in a normalised path"),
                );
            }
            segment_start = i + 1;
            dynamic = false;
            i += 1;
            continue;
        }
        match c {
            Some(bad @ ('\\' | '#')) => {
                return pattern_err(
                    i + 1,
                    format!("character {bad:?} cannot appear in a normalised path"),
                )
            }
            Some('%') => {
                let hex_ok = chars
                    .get(i + 1..i + 3)
                    .is_some_and(|h| h.iter().all(char::is_ascii_hexdigit));
                if !hex_ok {
                    return pattern_err(i + 1, "'%' must be followed by two hex digits");
                }
            }
            Some('{') => dynamic = true,
            Some('$') => {
                if chars.get(i + 1) == Some(&'$') {
                    i += 1; // a literal `$`
                } else {
                    dynamic = true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// The request target sent upstream: the rewritten path and the client's
/// query, untouched. If the path already carries a query of its own (a
/// `rewrite` with `?`), the client's one follows it after `&`.
pub fn upstream_target(path: &str, query: Option<&str>) -> String {
    let mut target = String::with_capacity(path.len() + 1 + query.map_or(0, str::len));
    target.push_str(path);
    match query {
        Some("") if path.contains('?') => {}
        Some(q) => {
            target.push(if path.contains('?') { '&' } else { '?' });
            target.push_str(q);
        }
        None => {}
    }
    target
}

fn flush(literal: &mut String, pieces: &mut Vec<Piece>) {
    if !literal.is_empty() {
        pieces.push(Piece::Text(std::mem::take(literal)));
    }
}

/// Remove a leading `prefix` (whole segments) from `path`; the result always
/// starts with `/`. `"/users/42"` minus `"/users"` (or `"/users/"`) is `"/42"`,
/// `"/users"` minus `"/users"` is `"/"`. A path that does not start with the
/// prefix on a segment boundary (`"/usersx"`) is returned unchanged.
pub fn strip_prefix(path: &str, prefix: &str) -> String {
    let prefix = prefix.trim_end_matches('/');
    match path.strip_prefix(prefix) {
        Some("") => "/".to_string(),
        Some(rest) if rest.starts_with('/') => rest.to_string(),
        _ if path.starts_with('/') => path.to_string(),
        _ => format!("/{path}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(v: &[Option<&str>]) -> Vec<Option<String>> {
        v.iter().map(|c| c.map(String::from)).collect()
    }

    #[test]
    fn params_and_groups() {
        let t = RewriteTemplate::parse("/v2/users/{id}/x", &["id"], 0).unwrap();
        let params = vec![("id".to_string(), "42".to_string())];
        assert_eq!(t.apply(&params, &[]), "/v2/users/42/x");

        let t = RewriteTemplate::parse("/api/$2?v=$1&all=$0&cost=$$5", &[], 3).unwrap();
        let c = caps(&[Some("/v3/a/b"), Some("3"), Some("a/b")]);
        assert_eq!(t.apply(&[], &c), "/api/a/b?v=3&all=/v3/a/b&cost=$5");
        assert_eq!(
            t.apply(&[], &caps(&[Some("x"), None, None])),
            "/api/?v=&all=x&cost=$5"
        );
        let t = RewriteTemplate::parse("/$1$1{a}{b}", &["a", "b"], 2).unwrap();
        let params = vec![("a".into(), "A".into()), ("b".into(), "B".into())];
        assert_eq!(t.apply(&params, &caps(&[Some("z"), Some("y")])), "/yyAB");
    }

    #[test]
    fn errors() {
        let cases: [(&str, &[&str], usize, usize, &str); 7] = [
            ("x", &[], 0, 1, "start with"),
            ("/{id", &["id"], 0, 2, "never closed"),
            ("/{nope}", &["id"], 0, 2, "unknown parameter"),
            ("/a}", &[], 0, 3, "without"),
            ("/$2", &[], 2, 2, "does not exist"),
            ("/$1", &[], 0, 2, "does not exist"),
            ("/$x", &[], 2, 2, "group number"),
        ];
        for (text, params, groups, column, msg) in cases {
            let e = RewriteTemplate::parse(text, params, groups).unwrap_err();
            assert_eq!(e.column, column, "{text}: {e}");
            assert!(e.message.contains(msg), "{text}: {e}");
        }
    }

    #[test]
    fn the_result_is_a_normalised_path() {
        // An empty or slash-edged group must not leave `//` for the upstream.
        let t = RewriteTemplate::parse("/new/$1/x", &[], 2).unwrap();
        assert_eq!(t.apply(&[], &caps(&[Some("/"), None])), "/new/x");
        assert_eq!(t.apply(&[], &caps(&[Some("/"), Some("/a/")])), "/new/a/x");
        // The template's query is not a path: left as written.
        let t = RewriteTemplate::parse("/a/$1?next=//x/../y", &[], 2).unwrap();
        assert_eq!(
            t.apply(&[], &caps(&[Some("/"), Some("")])),
            "/a/?next=//x/../y"
        );
        // A segment glued together from literal dots and a capture is removed
        // like any dot segment, and a result that would climb becomes `/`.
        let t = RewriteTemplate::parse("/a/.$1/x", &[], 2).unwrap();
        assert_eq!(t.apply(&[], &caps(&[Some("/"), Some(".")])), "/x");
        let t = RewriteTemplate::parse("/.$1/x", &[], 2).unwrap();
        assert_eq!(t.apply(&[], &caps(&[Some("/"), Some(".")])), "/");
        let t = RewriteTemplate::parse("/$1$1/$1$1", &[], 2).unwrap();
        assert_eq!(t.apply(&[], &caps(&[Some("/"), Some(".")])), "/");
    }

    #[test]
    fn literal_text_must_be_a_normalised_path() {
        let cases = [
            ("/a//b", 4, "never appears"),
            ("/a/./b", 4, "never appears"),
            ("/a/../b", 4, "never appears"),
            ("/a\\b", 3, "cannot appear"),
            ("/a#b", 3, "cannot appear"),
            ("/a%2", 3, "two hex digits"),
            ("/a%zz", 3, "two hex digits"),
        ];
        for (text, column, msg) in cases {
            let e = RewriteTemplate::parse(text, &[], 2).unwrap_err();
            assert_eq!(e.column, column, "{text}: {e}");
            assert!(e.message.contains(msg), "{text}: {e}");
        }
        for ok in [
            "/",
            "/a/",
            "/a/{id}/..x",
            "/$1/b",
            "/a%2Fb",
            "/$$/x",
            "/a?x=//..&y=#",
        ] {
            RewriteTemplate::parse(ok, &["id"], 2).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
    }

    #[test]
    fn upstream_target_appends_the_client_query() {
        assert_eq!(upstream_target("/a", None), "/a");
        assert_eq!(upstream_target("/a", Some("")), "/a?");
        assert_eq!(upstream_target("/a", Some("x=1&y=%2e")), "/a?x=1&y=%2e");
        assert_eq!(upstream_target("/a?v=2", Some("x=1")), "/a?v=2&x=1");
        assert_eq!(upstream_target("/a?v=2", Some("")), "/a?v=2");
        assert_eq!(upstream_target("/a?v=2", None), "/a?v=2");
    }

    #[test]
    fn strip_prefix_keeps_a_leading_slash() {
        assert_eq!(strip_prefix("/users/42", "/users"), "/42");
        assert_eq!(strip_prefix("/users/42", "/users/"), "/42");
        assert_eq!(strip_prefix("/users", "/users"), "/");
        assert_eq!(strip_prefix("/users/", "/users"), "/");
        assert_eq!(strip_prefix("/usersx", "/users"), "/usersx");
        assert_eq!(strip_prefix("/a/b", "/"), "/a/b");
        assert_eq!(strip_prefix("/a/b", ""), "/a/b");
        assert_eq!(strip_prefix("/other", "/users"), "/other");
    }
}
