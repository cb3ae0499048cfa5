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

use super::pattern::{pattern_err, PatternError};

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
        Ok(RewriteTemplate { pieces })
    }

    /// Build the new path from the match's params and captures (as in `RouteMatch::Found`).
    pub fn apply(&self, params: &[(String, String)], captures: &[Option<String>]) -> String {
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
