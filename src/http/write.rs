//! Serialising message heads.
//!
//! ```text
//! status-line  = HTTP-version SP status-code SP [ reason-phrase ]   RFC 9112 §4
//! request-line = method SP request-target SP HTTP-version           RFC 9112 §3
//! field-line   = field-name ":" OWS field-value OWS                 RFC 9112 §5
//! ```
//!
//! Writers append to a caller's `Vec<u8>` so that a whole head goes out in
//! one `write_all`. They do not validate names (the caller builds them from
//! constants or from fields the parser already checked) but they do defend
//! against header injection: a CR, LF or NUL in a value — which could only
//! come from a bug or from data the caller copied from somewhere unchecked —
//! is written as SP, so a value can never end the line early and start a
//! forged header or a forged response ("response splitting").

use super::{reason_phrase, Version};

/// Appends a status line, the header lines and the blank line. The reason
/// phrase is [`reason_phrase`]`(status)`.
pub fn write_response_head(
    out: &mut Vec<u8>,
    version: Version,
    status: u16,
    headers: &[(&str, &[u8])],
) {
    out.extend_from_slice(version.as_str().as_bytes());
    out.push(b' ');
    push_decimal(u64::from(status), out);
    out.push(b' ');
    out.extend_from_slice(reason_phrase(status).as_bytes());
    out.extend_from_slice(b"\r\n");
    write_fields(out, headers);
}

/// Appends an HTTP/1.1 request line, the header lines and the blank line.
pub fn write_request_head(
    out: &mut Vec<u8>,
    method: &str,
    target: &str,
    headers: &[(&str, &[u8])],
) {
    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(target.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    write_fields(out, headers);
}

/// `name: value\r\n` for each field, then `\r\n`.
fn write_fields(out: &mut Vec<u8>, headers: &[(&str, &[u8])]) {
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend(value.iter().map(|&b| match b {
            b'\r' | b'\n' | 0 => b' ',
            _ => b,
        }));
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

/// Appends `n` in decimal.
pub fn push_decimal(n: u64, out: &mut Vec<u8>) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut rest = n;
    for slot in digits.iter_mut() {
        *slot = b'0' + (rest % 10) as u8;
        rest /= 10;
        len += 1;
        if rest == 0 {
            break;
        }
    }
    out.extend(digits.iter().take(len).rev());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_head() {
        let mut out = Vec::new();
        write_response_head(&mut out, Version::Http11, 404, &[("Content-Length", b"0")]);
        assert_eq!(out, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    }

    #[test]
    fn request_head_neutralises_injection() {
        let mut out = Vec::new();
        write_request_head(&mut out, "GET", "/a", &[("X", b"a\r\nEvil: 1")]);
        assert_eq!(out, b"GET /a HTTP/1.1\r\nX: a  Evil: 1\r\n\r\n");
    }

    #[test]
    fn decimals() {
        for n in [0u64, 7, 10, 99, 100, 65535, u64::MAX] {
            let mut out = Vec::new();
            push_decimal(n, &mut out);
            assert_eq!(out, n.to_string().as_bytes());
        }
    }
}
