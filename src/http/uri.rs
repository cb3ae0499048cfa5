//! Request-target normalisation: one canonical spelling per path.
//!
//! Routing, auth and rate limits decide on the path, and the upstream
//! interprets it again. If the gateway and the upstream read `/admin/%2e%2e/x`
//! or `/public/../admin` differently, a client can slip past a rule meant for
//! `/admin` ("path confusion"). So before routing, the target is put in one
//! canonical form, and the same form is what the upstream receives:
//!
//! 1. **Form** (RFC 9112 §3.2): origin-form `/path?query` is normal;
//!    absolute-form `http://host/path?query` is accepted by dropping the scheme
//!    and authority; asterisk-form `*` (server-wide OPTIONS) and
//!    authority-form (CONNECT) are not for a gateway's routes: error.
//! 2. **Percent-decoding of unreserved characters only** (RFC 3986 §2.3,
//!    §6.2.2.2): `%41` is `A` and `%7e` is `~`, so they are decoded; every other
//!    escape keeps its meaning as data (`%2F` is a slash *inside* a segment,
//!    not a separator) and stays encoded, with its hex digits uppercased
//!    (§6.2.2.1). A `%` not followed by two hex digits is an error.
//! 3. **Dot-segment removal** (RFC 3986 §5.2.4 `remove_dot_segments`): walk
//!    the segments with a stack; `.` is dropped, `..` pops the last segment.
//!    Because step 2 ran first, `%2e%2e` is removed like `..`. Unlike the RFC
//!    (which silently stops at the root, for resolving relative links), a `..`
//!    that would climb above `/` is an error here: no honest client sends one.
//!    A path ending in `.` or `..` keeps a trailing `/`, as in the RFC.
//! 4. **Empty segments are folded**: `//x` is `/x`, so `/admin` cannot be
//!    reached as `//admin` past a rule.
//!
//! The query (everything after the first `?`) is passed through untouched:
//! its meaning belongs to the upstream. Only visible ASCII is accepted in the
//! path; the request-line parser has already refused controls and spaces, and
//! this module checks again because it must stand on its own. Pure: no I/O.

use crate::util::bytes::hex_digit_value;
use std::fmt;

/// Why a request target was refused. Every variant maps to 400 Bad Request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UriError {
    /// Empty, asterisk-form, authority-form or a path that does not start with `/`.
    NotOriginForm,
    /// A `%` not followed by two hex digits.
    BadPercentEncoding,
    /// A `..` segment would climb above the root.
    ClimbsAboveRoot,
    /// A byte that may not appear in a path (control, space, non-ASCII, `#`, `\`).
    BadCharacter,
}

impl UriError {
    /// Short human-readable reason, for the JSON error body and logs.
    pub fn message(self) -> &'static str {
        match self {
            UriError::NotOriginForm => "request target must be a path starting with '/'",
            UriError::BadPercentEncoding => "bad percent-encoding in the path",
            UriError::ClimbsAboveRoot => "path climbs above the root with '..'",
            UriError::BadCharacter => "path contains a character that is not allowed",
        }
    }

    /// The HTTP status for this error: always 400.
    pub fn status(self) -> u16 {
        400
    }
}

impl fmt::Display for UriError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for UriError {}

/// A normalised request target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedTarget {
    /// The canonical path, always starting with `/`.
    pub path: String,
    /// The text after the first `?`, untouched; `None` when there is no `?`.
    pub query: Option<String>,
    /// The authority (`host[:port]`) of an absolute-form target; it wins over
    /// the `Host` header (RFC 9112 §3.2.2).
    pub authority: Option<String>,
}

/// Normalise a request target (see the module doc for the steps).
pub fn normalize_target(target: &str) -> Result<NormalizedTarget, UriError> {
    let (authority, rest) = split_absolute_form(target)?;
    let (raw_path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q.to_string())),
        None => (rest, None),
    };
    // Absolute-form with an empty path (`http://host?x`) means `/`.
    let raw_path = if raw_path.is_empty() && rest.len() != target.len() {
        "/"
    } else {
        raw_path
    };
    if !raw_path.starts_with('/') {
        return Err(UriError::NotOriginForm);
    }
    let decoded = decode_unreserved(raw_path)?;
    let path = remove_dot_segments(&decoded)?;
    Ok(NormalizedTarget {
        path,
        query,
        authority: authority.map(str::to_string),
    })
}

/// `http://host[:port]/p?q` -> (`host[:port]`, `/p?q`); origin-form is
/// returned as is, with no authority.
fn split_absolute_form(target: &str) -> Result<(Option<&str>, &str), UriError> {
    for scheme in ["http://", "https://"] {
        let n = scheme.len();
        let head = target.get(..n);
        if head.is_some_and(|h| h.eq_ignore_ascii_case(scheme)) {
            let after = target.get(n..).unwrap_or("");
            let end = after.find(['/', '?']).unwrap_or(after.len());
            if end == 0 {
                return Err(UriError::NotOriginForm); // no authority
            }
            return Ok((after.get(..end), after.get(end..).unwrap_or("")));
        }
    }
    Ok((None, target))
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Decode `%XX` of unreserved characters, uppercase the hex of the others,
/// and refuse characters that have no business in a path.
fn decode_unreserved(path: &str) -> Result<String, UriError> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = bytes.get(i + 1).copied().and_then(hex_digit_value);
            let lo = bytes.get(i + 2).copied().and_then(hex_digit_value);
            let (Some(hi), Some(lo)) = (hi, lo) else {
                return Err(UriError::BadPercentEncoding);
            };
            let value = hi * 16 + lo;
            if is_unreserved(value) {
                out.push(char::from(value));
            } else {
                out.push('%');
                out.push(char::from(
                    HEX.get(usize::from(hi)).copied().unwrap_or(b'0'),
                ));
                out.push(char::from(
                    HEX.get(usize::from(lo)).copied().unwrap_or(b'0'),
                ));
            }
            i += 3;
            continue;
        }
        // Visible ASCII only; '#' starts a fragment (never sent), '\' is a
        // separator for some upstreams (path confusion).
        if !(0x21..=0x7e).contains(&b) || b == b'#' || b == b'\\' {
            return Err(UriError::BadCharacter);
        }
        out.push(char::from(b));
        i += 1;
    }
    Ok(out)
}

/// RFC 3986 §5.2.4 over whole segments, with `//` folded and climbing refused.
/// `path` starts with `/`.
fn remove_dot_segments(path: &str) -> Result<String, UriError> {
    let mut stack: Vec<&str> = Vec::new();
    let mut trailing_slash = false;
    for segment in path.split('/').skip(1) {
        trailing_slash = false;
        match segment {
            "" => trailing_slash = true, // folded; a last empty segment is a trailing '/'
            "." => trailing_slash = true,
            ".." => {
                if stack.pop().is_none() {
                    return Err(UriError::ClimbsAboveRoot);
                }
                trailing_slash = true;
            }
            s => stack.push(s),
        }
    }
    let mut out = String::with_capacity(path.len());
    for s in &stack {
        out.push('/');
        out.push_str(s);
    }
    if trailing_slash || out.is_empty() {
        out.push('/');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(t: &str) -> Result<String, UriError> {
        normalize_target(t).map(|n| n.path)
    }

    #[test]
    fn canonical_paths() {
        let cases = [
            ("/", "/"),
            ("/a/b", "/a/b"),
            ("/a/b/", "/a/b/"),
            ("/a/./b/", "/a/b/"),
            ("/a/./b/.", "/a/b/"),
            ("/a/b/..", "/a/"),
            ("/a/../b", "/b"),
            ("/a/%2e%2e/b", "/b"),
            ("/a/%2E%2e/b", "/b"),
            ("/a/.%2e/b", "/b"),
            ("/a/%2e/b", "/a/b"),
            ("//x", "/x"),
            ("/a//b///c", "/a/b/c"),
            ("/a//", "/a/"),
            ("/%7e", "/~"),
            ("/%7Euser", "/~user"),
            ("/%41%62%2d%5f%2E", "/Ab-_."),
            ("/a%2Fb", "/a%2Fb"),
            ("/a%2fb", "/a%2Fb"),
            ("/a%2f..%2fb", "/a%2F..%2Fb"),
            ("/%e2%82%ac", "/%E2%82%AC"),
            ("/a/..", "/"),
            ("/.", "/"),
            ("/...", "/..."),
            ("/.a/..b", "/.a/..b"),
            ("/users;v=1/@me:x", "/users;v=1/@me:x"),
        ];
        for (input, want) in cases {
            assert_eq!(norm(input).as_deref(), Ok(want), "{input}");
        }
    }

    #[test]
    fn attacks_are_refused() {
        let cases = [
            ("/../etc/passwd", UriError::ClimbsAboveRoot),
            ("/a/../../b", UriError::ClimbsAboveRoot),
            ("/%2e%2e/etc", UriError::ClimbsAboveRoot),
            ("/..", UriError::ClimbsAboveRoot),
            ("//..//x", UriError::ClimbsAboveRoot),
            ("/a%", UriError::BadPercentEncoding),
            ("/a%2", UriError::BadPercentEncoding),
            ("/a%zz", UriError::BadPercentEncoding),
            ("/a%%41", UriError::BadPercentEncoding),
            ("/a b", UriError::BadCharacter),
            ("/a\\..\\b", UriError::BadCharacter),
            ("/a#frag", UriError::BadCharacter),
            ("/a\u{0}", UriError::BadCharacter),
            ("/é", UriError::BadCharacter),
            ("*", UriError::NotOriginForm),
            ("", UriError::NotOriginForm),
            ("a/b", UriError::NotOriginForm),
            ("example.com:443", UriError::NotOriginForm),
            ("http:///x", UriError::NotOriginForm),
        ];
        for (input, want) in cases {
            assert_eq!(norm(input), Err(want), "{input}");
        }
    }

    #[test]
    fn query_is_untouched() {
        let n = normalize_target("/a/../b?x=%2e%2e&y=/../#").unwrap();
        assert_eq!(n.path, "/b");
        assert_eq!(n.query.as_deref(), Some("x=%2e%2e&y=/../#"));
        assert_eq!(normalize_target("/a?").unwrap().query.as_deref(), Some(""));
        assert_eq!(normalize_target("/a").unwrap().query, None);
        assert_eq!(
            normalize_target("/a?b?c").unwrap().query.as_deref(),
            Some("b?c")
        );
    }

    #[test]
    fn absolute_form_drops_scheme_and_keeps_authority() {
        let n = normalize_target("http://example.com:8080/a/./b?q=1").unwrap();
        assert_eq!(
            n,
            NormalizedTarget {
                path: "/a/b".into(),
                query: Some("q=1".into()),
                authority: Some("example.com:8080".into()),
            }
        );
        assert_eq!(normalize_target("/x").unwrap().authority, None);
        assert_eq!(norm("HTTPS://h/x//y").as_deref(), Ok("/x/y"));
        assert_eq!(norm("http://h").as_deref(), Ok("/"));
        let n = normalize_target("http://h?x").unwrap();
        assert_eq!((n.path.as_str(), n.query.as_deref()), ("/", Some("x")));
    }

    #[test]
    fn errors_explain_themselves() {
        assert_eq!(UriError::ClimbsAboveRoot.status(), 400);
        assert!(UriError::BadPercentEncoding.to_string().contains("percent"));
    }
}
