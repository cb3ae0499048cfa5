//! Questions about a list of header fields.
//!
//! Field names are case-insensitive (RFC 9110 §5.1), so every lookup here
//! compares ASCII case-insensitively. Many fields are comma-separated lists
//! (RFC 9110 §5.6.1) that may also be split over several lines:
//!
//! ```text
//! #element  => [ element ] *( OWS "," OWS [ element ] )
//! Connection        = #connection-option
//! connection-option = token
//! ```
//!
//! "Recipients MUST accept empty list elements", so [`list_items`] skips
//! them. The hop-by-hop fields (RFC 9110 §7.6.1) describe one connection,
//! not the message, and a proxy must not forward them: [`is_hop_by_hop`].

use super::chars::trim_ows;
use super::parse::Header;

/// ASCII case-insensitive equality of two byte strings.
pub fn eq_ignore_case(a: &[u8], b: &[u8]) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// The value of the first header called `name` (case-insensitive).
pub fn find<'b>(headers: &[Header<'b>], name: &str) -> Option<&'b [u8]> {
    headers
        .iter()
        .find(|h| eq_ignore_case(h.name.as_bytes(), name.as_bytes()))
        .map(|h| h.value)
}

/// All values of headers called `name`, in order.
pub fn find_all<'h, 'b: 'h>(
    headers: &'h [Header<'b>],
    name: &'h str,
) -> impl Iterator<Item = &'b [u8]> + 'h {
    headers
        .iter()
        .filter(move |h| eq_ignore_case(h.name.as_bytes(), name.as_bytes()))
        .map(|h| h.value)
}

/// The non-empty elements of a comma-separated list value, OWS trimmed.
pub fn list_items(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(trim_ows)
        .filter(|item| !item.is_empty())
}

/// True when any `Connection` line lists `token` (case-insensitive).
pub fn connection_has_token(headers: &[Header], token: &str) -> bool {
    find_all(headers, "connection")
        .flat_map(list_items)
        .any(|item| eq_ignore_case(item, token.as_bytes()))
}

/// The fields that are always hop-by-hop (RFC 9110 §7.6.1, plus the
/// non-standard `Proxy-Connection` and `Keep-Alive` that old clients send).
pub const HOP_BY_HOP: [&str; 7] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Fields a `Connection` line cannot turn into hop-by-hop ones. The message
/// itself depends on them: `Content-Length` frames its body and `Host`
/// routes it. RFC 9110 §7.6.1 forbids the option ("A sender MUST NOT send a
/// connection option corresponding to a field that is intended for all
/// recipients of the content"); honouring it anyway would let a client
/// strip its own `Host` after it was checked (the request is then routed as
/// if it had none), or let an upstream strip the `Content-Length` of a
/// response that is still sent with that length, leaving the client no way
/// to find where the body ends. So the option is ignored for them.
pub const NEVER_CONNECTION_OPTIONS: [&str; 2] = ["content-length", "host"];

/// The hop-by-hop fields of one message: [`HOP_BY_HOP`], and the fields
/// its `Connection` lines name (except [`NEVER_CONNECTION_OPTIONS`]). The
/// `Connection` lines are read once, so asking about every field of a head
/// costs one pass, not one pass per field.
#[derive(Debug)]
pub struct HopByHop<'b> {
    /// The options of the `Connection` lines (no allocation without any).
    named: Vec<&'b [u8]>,
}

impl<'b> HopByHop<'b> {
    /// Reads the `Connection` lines of `headers`.
    pub fn of(headers: &[Header<'b>]) -> Self {
        HopByHop {
            named: find_all(headers, "connection")
                .flat_map(list_items)
                .collect(),
        }
    }

    /// True when the field `name` must not be forwarded by a proxy.
    pub fn contains(&self, name: &str) -> bool {
        let is_one_of = |list: &[&str]| {
            list.iter()
                .any(|h| eq_ignore_case(h.as_bytes(), name.as_bytes()))
        };
        is_one_of(&HOP_BY_HOP)
            || (!self.named.is_empty()
                && !is_one_of(&NEVER_CONNECTION_OPTIONS)
                && self
                    .named
                    .iter()
                    .any(|item| eq_ignore_case(item, name.as_bytes())))
    }
}

/// True when the field `name` must not be forwarded by a proxy: one of
/// [`HOP_BY_HOP`], or a field named in a `Connection` line of `headers`
/// unless it is one of [`NEVER_CONNECTION_OPTIONS`]. (To ask about many
/// fields of one head, build a [`HopByHop`] once.)
pub fn is_hop_by_hop(name: &str, headers: &[Header]) -> bool {
    HopByHop::of(headers).contains(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h<'a>(name: &'a str, value: &'a str) -> Header<'a> {
        Header {
            name,
            value: value.as_bytes(),
        }
    }

    #[test]
    fn find_is_case_insensitive_and_first() {
        let hs = [h("Host", "a"), h("HOST", "b")];
        assert_eq!(find(&hs, "host"), Some(&b"a"[..]));
        assert_eq!(find(&hs, "x"), None);
        assert_eq!(find_all(&hs, "host").count(), 2);
    }

    #[test]
    fn connection_tokens_across_lines() {
        let hs = [
            h("Connection", "keep-alive , ,X-Foo"),
            h("connection", "Upgrade"),
        ];
        assert!(connection_has_token(&hs, "x-foo"));
        assert!(connection_has_token(&hs, "upgrade"));
        assert!(connection_has_token(&hs, "KEEP-ALIVE"));
        assert!(!connection_has_token(&hs, "close"));
        assert!(!connection_has_token(&hs, "keep"));
    }

    #[test]
    fn hop_by_hop_fields() {
        let hs = [h("Connection", "X-Secret")];
        for name in [
            "Connection",
            "TE",
            "transfer-encoding",
            "Upgrade",
            "Proxy-Connection",
            "x-secret",
        ] {
            assert!(is_hop_by_hop(name, &hs), "{name}");
        }
        assert!(!is_hop_by_hop("Content-Length", &hs));
        assert!(!is_hop_by_hop("Host", &hs));
    }

    #[test]
    fn connection_cannot_strip_framing_or_routing_fields() {
        let hs = [h("Connection", "close, Content-Length, HOST, X-Other")];
        assert!(!is_hop_by_hop("content-length", &hs));
        assert!(!is_hop_by_hop("Host", &hs));
        assert!(is_hop_by_hop("x-other", &hs));
        // The always-hop-by-hop fields stay so whatever Connection says.
        assert!(is_hop_by_hop("Transfer-Encoding", &hs));
    }

    #[test]
    fn list_items_skip_empty() {
        let items: Vec<&[u8]> = list_items(b" a, ,b ,,").collect();
        assert_eq!(items, vec![&b"a"[..], &b"b"[..]]);
    }
}
