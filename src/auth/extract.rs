//! Where credentials come from: the `Authorization` header, a cookie, or a
//! query parameter. Pure functions over borrowed bytes; no allocation except
//! for percent-decoding a query value.
//!
//! * `Authorization: Bearer <token>` (RFC 6750 §2.1, RFC 9110 §11.4:
//!   `credentials = auth-scheme 1*SP token68`): the scheme is
//!   case-insensitive (RFC 9110 §11.1) and followed by one or more spaces
//!   (SP only, not tabs); the token is a single token68 (no spaces inside).
//! * `Cookie: a=1; b=2` (RFC 6265 §4.2.1): pairs split on `;`, optional
//!   spaces, names compared exactly, a `"`-quoted value is unquoted.
//! * `?name=value&...` (WHATWG urlencoded): `+` is a space, `%XX` decoded.
//!   [`single_query_param`] also refuses a name given twice and a broken
//!   escape or invalid UTF-8, rather than guessing which copy was meant.

use crate::util::bytes::hex_digit_value;
/// Longest query value returned by [`single_query_param`], in bytes after
/// decoding (the URI limit bounds it anyway; this keeps the function
/// self-contained).
pub const MAX_QUERY_VALUE_BYTES: usize = 8 * 1024;

/// Splits `Scheme <credentials>` and returns the credentials when the
/// scheme matches case-insensitively. Used for Bearer and Basic.
pub fn scheme_credentials<'a>(authorization: &'a [u8], scheme: &str) -> Option<&'a [u8]> {
    let value = authorization.trim_ascii();
    let name = value.get(..scheme.len())?;
    if !name.eq_ignore_ascii_case(scheme.as_bytes()) {
        return None;
    }
    let rest = value.get(scheme.len()..)?;
    let spaces = rest.iter().take_while(|&&b| b == b' ').count();
    let creds = rest.get(spaces..)?;
    if spaces == 0 || creds.is_empty() {
        return None; // no space after the scheme, or nothing after it
    }
    if creds
        .iter()
        .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    {
        return None;
    }
    Some(creds)
}

/// The token of `Bearer <token>`, or `None` for any other shape.
pub fn bearer_token(authorization: &[u8]) -> Option<&[u8]> {
    scheme_credentials(authorization, "Bearer")
}

/// The value of cookie `name` in a `Cookie` header (first occurrence).
pub fn cookie_value<'a>(cookie_header: &'a [u8], name: &str) -> Option<&'a [u8]> {
    cookie_header.split(|&b| b == b';').find_map(|pair| {
        let pair = pair.trim_ascii();
        let eq = pair.iter().position(|&b| b == b'=')?;
        let (k, v) = pair.split_at_checked(eq)?;
        if k.trim_ascii() != name.as_bytes() {
            return None;
        }
        let v = v.get(1..)?.trim_ascii();
        match v {
            [b'"', inner @ .., b'"'] => Some(inner),
            _ => Some(v),
        }
    })
}

/// Why [`single_query_param`] found no usable value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryParamError {
    /// `name` appears more than once: which copy counts is ambiguous (the
    /// gateway and the upstream might pick different ones).
    Repeated,
    /// The value has a broken `%` escape or is not UTF-8.
    Undecodable,
}

/// The decoded value of `name` in `query`, `Ok(None)` when absent, and an
/// error when it is given twice or cannot be decoded. For credentials,
/// where "the first one wins" would let a request carry two.
pub fn single_query_param(query: &str, name: &str) -> Result<Option<String>, QueryParamError> {
    let mut found = None;
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if percent_decode(k).as_deref() == Some(name) {
            if found.is_some() {
                return Err(QueryParamError::Repeated);
            }
            found = Some(v);
        }
    }
    found
        .map(|v| percent_decode(v).ok_or(QueryParamError::Undecodable))
        .transpose()
}

fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'%' => {
                let hi = hex_digit_value(bytes.next()?)?;
                let lo = hex_digit_value(bytes.next()?)?;
                out.push(hi << 4 | lo);
            }
            b'+' => out.push(b' '),
            other => out.push(other),
        }
        if out.len() > MAX_QUERY_VALUE_BYTES {
            return None;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer() {
        assert_eq!(bearer_token(b"Bearer abc.def"), Some(&b"abc.def"[..]));
        assert_eq!(bearer_token(b"bearer   abc"), Some(&b"abc"[..]));
        assert_eq!(bearer_token(b"BEARER abc "), Some(&b"abc"[..]));
        for bad in [
            &b"Bearer"[..],
            b"Bearer ",
            b"Bearerabc",
            b"Basic abc",
            b"Bearer a b",
            b"",
            b"Bear",
            b"Bearer \x01",
            b"Bearer\tabc",
            b"Bearer \tabc",
            b"Bearer\x0cabc",
        ] {
            assert_eq!(
                bearer_token(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn cookies() {
        let h = b"a=1; token=xyz;b=\"q\" ; token=second";
        assert_eq!(cookie_value(h, "token"), Some(&b"xyz"[..]));
        assert_eq!(cookie_value(h, "b"), Some(&b"q"[..]));
        assert_eq!(cookie_value(h, "a"), Some(&b"1"[..]));
        assert_eq!(cookie_value(h, "tok"), None);
        assert_eq!(cookie_value(b"", "a"), None);
        assert_eq!(cookie_value(b"a", "a"), None);
        assert_eq!(cookie_value(b"a=", "a"), Some(&b""[..]));
    }

    #[test]
    fn single_query_param_refuses_repeats_and_broken_escapes() {
        use QueryParamError::*;
        assert_eq!(
            single_query_param("a=1&key=x%2By", "key"),
            Ok(Some("x+y".to_string()))
        );
        assert_eq!(single_query_param("a=1", "key"), Ok(None));
        assert_eq!(single_query_param("key=a&key=a", "key"), Err(Repeated));
        assert_eq!(single_query_param("key=a&k%65y=b", "key"), Err(Repeated));
        assert_eq!(single_query_param("key", "key"), Ok(Some(String::new())));
        assert_eq!(single_query_param("", "key"), Ok(None));
        assert_eq!(single_query_param("key=%4", "key"), Err(Undecodable));
        assert_eq!(
            single_query_param("a=1&key=x%2By+z&b", "key"),
            Ok(Some("x+y z".to_string()))
        );
        assert_eq!(single_query_param("key=%zz", "key"), Err(Undecodable));
        assert_eq!(single_query_param("key=%ff", "key"), Err(Undecodable));
    }
}
