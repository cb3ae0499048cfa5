//! Host patterns: `host api.example.com;` or `host *.example.com;`.
//!
//! Host names are compared case-insensitively (RFC 9110 §4.2.3: the host is
//! case-insensitive), a trailing dot (`example.com.`, the fully-qualified
//! spelling) is ignored, and so is the request's `:port` — the gateway routes
//! on the name, the listener already decided the port.
//!
//! A wildcard `*.example.com` is a *suffix* match, as in Envoy's virtual hosts:
//! it matches one or more labels in front of `.example.com`
//! (`a.example.com`, `a.b.example.com`) but not `example.com` itself; write a
//! second route for the apex. The `*` must be the whole first label.

use super::pattern::{pattern_err, PatternError};

/// A route's `host` condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    /// This host name (lowercase).
    Exact(String),
    /// Any host ending in this suffix (lowercase, starts with `.`), with at
    /// least one label before it.
    Wildcard(String),
}

impl HostPattern {
    /// Parse the word of a `host` directive.
    pub fn parse(s: &str) -> Result<HostPattern, PatternError> {
        let (name, offset, wildcard) = match s.strip_prefix("*.") {
            Some(rest) => (rest, 2, true),
            None => (s, 0, false),
        };
        let name = name.strip_suffix('.').unwrap_or(name);
        if name.is_empty() {
            return pattern_err(1, "empty host name");
        }
        if let Some(stripped) = name.strip_prefix('[') {
            // IPv6 literal: [hex and colons]
            let ok = !wildcard
                && stripped.strip_suffix(']').is_some_and(|inner| {
                    !inner.is_empty()
                        && inner
                            .chars()
                            .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
                });
            if !ok {
                return pattern_err(offset + 1, "bad IPv6 literal host; write it as [::1]");
            }
            return Ok(HostPattern::Exact(name.to_ascii_lowercase()));
        }
        for (i, label) in label_columns(name) {
            if label.is_empty() || label.len() > 63 {
                return pattern_err(offset + i, "a host label must be 1 to 63 characters");
            }
            if let Some((j, c)) = label
                .char_indices()
                .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            {
                let hint = if c == ':' {
                    " (ports are not part of a host pattern)"
                } else {
                    ""
                };
                return pattern_err(
                    offset + i + j,
                    format!("{c:?} is not allowed in a host name{hint}"),
                );
            }
        }
        let lower = name.to_ascii_lowercase();
        Ok(if wildcard {
            HostPattern::Wildcard(format!(".{lower}"))
        } else {
            HostPattern::Exact(lower)
        })
    }

    /// Whether the request's `Host` (possibly with `:port`) matches.
    pub fn matches(&self, host: &str) -> bool {
        let name = host_name(host);
        match self {
            HostPattern::Exact(want) => name.eq_ignore_ascii_case(want),
            HostPattern::Wildcard(suffix) => {
                name.len() > suffix.len()
                    && name
                        .get(name.len() - suffix.len()..)
                        .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix))
                    && !name.starts_with('.')
            }
        }
    }

    /// Precedence among routes for the same path: exact host, then longer
    /// wildcard suffixes, then shorter ones (lower ranks first).
    pub(crate) fn rank(&self) -> (u8, std::cmp::Reverse<usize>) {
        match self {
            HostPattern::Exact(_) => (0, std::cmp::Reverse(0)),
            HostPattern::Wildcard(s) => (1, std::cmp::Reverse(s.len())),
        }
    }

    /// As written in the config.
    pub fn to_config_string(&self) -> String {
        match self {
            HostPattern::Exact(h) => h.clone(),
            HostPattern::Wildcard(s) => format!("*{s}"),
        }
    }
}

/// Labels of a dotted name with the 1-based column where each starts.
fn label_columns(name: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut column = 1;
    name.split('.').map(move |label| {
        let at = column;
        column += label.len() + 1;
        (at, label)
    })
}

/// The name part of a `Host` header: without `:port` and a trailing dot.
fn host_name(host: &str) -> &str {
    let name = if host.starts_with('[') {
        match host.find(']') {
            Some(end) => host.get(..=end).unwrap_or(host),
            None => host,
        }
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => host,
        }
    };
    name.strip_suffix('.').unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_is_case_insensitive_and_ignores_port() {
        let p = HostPattern::parse("API.example.com").unwrap();
        assert_eq!(p, HostPattern::Exact("api.example.com".into()));
        assert!(p.matches("api.example.com"));
        assert!(p.matches("Api.Example.COM:8080"));
        assert!(p.matches("api.example.com."));
        assert!(!p.matches("api.example.com.evil"));
        assert!(!p.matches("x.api.example.com"));
        let v6 = HostPattern::parse("[::1]").unwrap();
        assert!(v6.matches("[::1]:8080"));
        assert!(!v6.matches("[::2]"));
    }

    #[test]
    fn wildcard_is_a_suffix_of_one_or_more_labels() {
        let p = HostPattern::parse("*.example.com").unwrap();
        assert_eq!(p, HostPattern::Wildcard(".example.com".into()));
        assert!(p.matches("a.example.com"));
        assert!(p.matches("a.b.EXAMPLE.com:443"));
        assert!(!p.matches("example.com"));
        assert!(!p.matches(".example.com"));
        assert!(!p.matches("aexample.com"));
        assert!(!p.matches("a.example.org"));
    }

    #[test]
    fn bad_hosts() {
        let cases = [
            ("", 1),
            ("*", 1),
            ("a..b", 3),
            ("a.*.b", 3),
            ("api.example.com:80", 16),
            ("*.ex ample", 5),
            ("[zz]", 1),
            ("*.[::1]", 3),
        ];
        for (text, column) in cases {
            let e = HostPattern::parse(text).unwrap_err();
            assert_eq!(e.column, column, "{text}: {e}");
        }
    }
}
