//! The owned request and response the pipeline works on.
//!
//! The parser borrows from the connection's read buffer (zero copies), but
//! the stages must *change* headers (add `X-Forwarded-For`, drop a forged
//! `X-User-Id`, rewrite the path) while the same buffer keeps filling with
//! the body. So after the head is parsed it is copied once into these owned
//! types; this is the one copy per request (STYLE.md §1.2: copy only when the
//! data must outlive the buffer).

use std::ops::Range;

use crate::http::{BodyKind, Header, Version};

/// An ordered list of header fields; names compare case-insensitively.
///
/// All names live back to back in one `String` and all values in one byte
/// buffer; the list keeps their ranges. So copying a parsed head costs a
/// few allocations, not two per field, and reading a name needs no UTF-8
/// check. Removing a field forgets its ranges (the bytes stay until the list
/// is dropped: a request only removes a handful).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeaderList {
    names: String,
    values: Vec<u8>,
    fields: Vec<(Range<usize>, Range<usize>)>,
}

impl HeaderList {
    /// An empty list.
    pub fn new() -> Self {
        HeaderList::default()
    }

    /// Copies the parsed header views for which `keep` is true, allocating
    /// once for all of them (plus room for the few fields stages add).
    pub fn from_parsed(headers: &[Header<'_>], keep: impl Fn(&Header<'_>) -> bool) -> Self {
        let names: usize = headers.iter().map(|h| h.name.len()).sum();
        let values: usize = headers.iter().map(|h| h.value.len()).sum();
        let mut list = HeaderList {
            names: String::with_capacity(names + 128),
            values: Vec::with_capacity(values + 256),
            fields: Vec::with_capacity(headers.len() + 8),
        };
        for h in headers.iter().filter(|h| keep(h)) {
            list.append(h.name, h.value);
        }
        list
    }

    fn name_of(&self, r: &Range<usize>) -> &str {
        self.names.get(r.clone()).unwrap_or_default()
    }

    fn value_of(&self, r: &Range<usize>) -> &[u8] {
        self.values.get(r.clone()).unwrap_or_default()
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|(n, _)| self.name_of(n).eq_ignore_ascii_case(name))
            .map(|(_, v)| self.value_of(v))
    }

    /// The first value of `name`, when it is UTF-8.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|v| std::str::from_utf8(v).ok())
    }

    /// True when `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Removes every field called `name`.
    pub fn remove(&mut self, name: &str) {
        self.retain(|n| !n.eq_ignore_ascii_case(name));
    }

    /// Replaces every field called `name` with one field.
    pub fn set(&mut self, name: &str, value: impl AsRef<[u8]>) {
        self.remove(name);
        self.append(name, value);
    }

    /// Adds a field, keeping existing ones of the same name.
    pub fn append(&mut self, name: &str, value: impl AsRef<[u8]>) {
        let n0 = self.names.len();
        self.names.push_str(name);
        let v0 = self.values.len();
        self.values.extend_from_slice(value.as_ref());
        self.fields
            .push((n0..self.names.len(), v0..self.values.len()));
    }

    /// Keeps only the fields for which `keep(name)` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        let names = &self.names;
        self.fields
            .retain(|(n, _)| keep(names.get(n.clone()).unwrap_or_default()));
    }

    /// The fields in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.fields
            .iter()
            .map(|(n, v)| (self.name_of(n), self.value_of(v)))
    }

    /// The fields as the borrowed pairs the head writers take.
    pub fn as_pairs(&self) -> Vec<(&str, &[u8])> {
        self.iter().collect()
    }

    /// How many fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

/// A client request after parsing and framing checks.
#[derive(Clone, Debug)]
pub struct Request {
    /// The method token, as sent (case-sensitive).
    pub method: String,
    /// The request-target, as sent.
    pub target: String,
    /// The normalised path (filled by the normalisation step).
    pub path: String,
    /// The query string after `?`, untouched.
    pub query: Option<String>,
    /// The client's HTTP version.
    pub version: Version,
    /// Header fields, as sent.
    pub headers: HeaderList,
    /// How the body is framed.
    pub body: BodyKind,
    /// The client waits for `100 Continue` before sending the body.
    pub expect_continue: bool,
    /// The client's connection may carry another request after this one.
    pub keep_alive: bool,
}

impl Request {
    /// The `Host` header without its port, lower-cased.
    pub fn host(&self) -> Option<String> {
        let h = self.headers.get_str("host")?;
        let without_port = if h.starts_with('[') {
            h.split_once(']')
                .map(|(a, _)| format!("{a}]"))
                .unwrap_or_else(|| h.to_string())
        } else {
            h.split(':').next().unwrap_or(h).to_string()
        };
        Some(without_port.to_ascii_lowercase())
    }

    /// True for methods that may be retried on another connection
    /// (RFC 9110 §9.2.2).
    pub fn is_idempotent(&self) -> bool {
        matches!(
            self.method.as_str(),
            "GET" | "HEAD" | "OPTIONS" | "TRACE" | "PUT" | "DELETE"
        )
    }
}

/// A response the gateway writes itself (errors, `respond`, preflights).
#[derive(Clone, Debug)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Header fields (framing headers are added when it is written).
    pub headers: HeaderList,
    /// The whole body.
    pub body: Vec<u8>,
}

impl Response {
    /// A `text/plain` response.
    pub fn text(status: u16, body: impl Into<Vec<u8>>) -> Self {
        let body = body.into();
        let mut headers = HeaderList::new();
        if !body.is_empty() {
            headers.set("Content-Type", "text/plain; charset=utf-8");
        }
        Response {
            status,
            headers,
            body,
        }
    }

    /// The JSON error body of DESIGN.md §7:
    /// `{"error":"rate_limited","message":"...","request_id":"..."}`.
    pub fn error(status: u16, code: &str, message: &str, request_id: &str) -> Self {
        let mut body = String::with_capacity(64 + message.len());
        body.push_str("{\"error\":");
        crate::util::json::write_string(&mut body, code);
        body.push_str(",\"message\":");
        crate::util::json::write_string(&mut body, message);
        body.push_str(",\"request_id\":");
        crate::util::json::write_string(&mut body, request_id);
        body.push_str("}\n");
        let mut headers = HeaderList::new();
        headers.set("Content-Type", "application/json");
        Response {
            status,
            headers,
            body: body.into_bytes(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_list_is_case_insensitive_and_ordered() {
        let mut h = HeaderList::new();
        h.append("X-A", "1");
        h.append("x-a", "2");
        h.append("B", "3");
        assert_eq!(h.get("x-A"), Some(&b"1"[..]));
        h.set("X-a", "9");
        assert_eq!(h.as_pairs(), vec![("B", &b"3"[..]), ("X-a", &b"9"[..])]);
        h.remove("b");
        assert_eq!(h.len(), 1);
    }

    #[test]
    fn host_drops_the_port() {
        let mut headers = HeaderList::new();
        headers.set("Host", "API.example.com:8080");
        let req = Request {
            method: "GET".into(),
            target: "/".into(),
            path: "/".into(),
            query: None,
            version: Version::Http11,
            headers,
            body: BodyKind::None,
            expect_continue: false,
            keep_alive: true,
        };
        assert_eq!(req.host().as_deref(), Some("api.example.com"));
    }
}
