//! A small, strict JSON (RFC 8259) reader and writer.
//!
//! Used for JWT headers and claims (hostile input) and for admin/error
//! bodies (our own output). The reader is a recursive-descent parser over
//! bytes that follows the RFC 8259 grammar and nothing more:
//!
//! ```text
//! JSON-text = ws value ws
//! value     = false / null / true / object / array / number / string
//! object    = "{" ws [ member *( ws "," ws member ) ] ws "}"   member = string ws ":" ws value
//! array     = "[" ws [ value *( ws "," ws value ) ] ws "]"
//! number    = [ "-" ] int [ frac ] [ exp ]    int = "0" / ( digit1-9 *DIGIT )
//! frac      = "." 1*DIGIT                     exp = ("e" / "E") [ "-" / "+" ] 1*DIGIT
//! string    = quotation-mark *char quotation-mark     (no raw control characters U+0000–U+001F)
//! escape    = \" \\ \/ \b \f \n \r \t \uXXXX          (UTF-16 surrogate pairs joined;
//!                                                      a lone surrogate is an error)
//! ws        = *( %x20 / %x09 / %x0A / %x0D )
//! ```
//!
//! Where the RFC leaves room, this parser chooses the strict side, because
//! two parsers that disagree about a token's claims are a security bug:
//! the input must be UTF-8 (§8.1) and at most [`MAX_INPUT_BYTES`], and a
//! leading byte order mark is an error (§8.1 lets a parser ignore one; in a
//! token it can only be there to make two parsers disagree); nesting is
//! limited to [`MAX_DEPTH`]; duplicate object keys are rejected (§4 says
//! behaviour is unpredictable); numbers that overflow `f64` are rejected;
//! anything after the value except whitespace is rejected. Errors carry the
//! byte offset and a static message; the parser never panics.
//!
//! The reader ([`document`]) validates a text into a [`Document`]: the text
//! plus a flat *tape* of where each value is, so reading a member borrows
//! it instead of copying it. [`parse`] turns that into an owned [`Value`]
//! tree for callers that want one. The writer side ([`write`]) is `Display` for [`Value`] (compact JSON; integral numbers
//! without `.0`), [`write_string`] for escaping one string, and
//! [`ObjectWriter`], a tiny builder for flat objects such as
//! `{"error":"rate_limited","message":"...","request_id":"..."}`:
//!
//! ```
//! use gatelite::util::json::ObjectWriter;
//! let mut w = ObjectWriter::new();
//! w.string("error", "rate_limited").int("retry_after", 3);
//! assert_eq!(w.finish(), r#"{"error":"rate_limited","retry_after":3}"#);
//! ```

use std::fmt;

pub mod document;
pub mod write;

pub use document::{Document, Item};
pub use write::{write_string, ObjectWriter};

/// Deepest nesting of arrays and objects accepted (the top-level value is depth 1).
pub const MAX_DEPTH: usize = 32;
/// Largest input accepted by [`parse`], in bytes (1 MiB).
pub const MAX_INPUT_BYTES: usize = 1 << 20;
/// Largest integer magnitude an `f64` represents exactly (2^53).
pub(crate) const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_992.0;

/// A parsed JSON value. Objects keep their members in input order.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// Any number (always finite).
    Number(f64),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object; keys are unique when produced by [`parse`].
    Object(Vec<(String, Value)>),
}

/// Why the input is not acceptable JSON, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// Byte offset into the input where the problem was found.
    pub offset: usize,
    /// What was wrong.
    pub message: &'static str,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for JsonError {}

/// Parses one complete JSON text into an owned [`Value`] tree. Readers
/// that need only a few members of a large text use [`Document`] directly.
pub fn parse(input: &[u8]) -> Result<Value, JsonError> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(JsonError {
            offset: MAX_INPUT_BYTES,
            message: "input too large",
        });
    }
    Document::parse(input.to_vec()).map(|doc| doc.root().to_value())
}

impl Value {
    /// The member `key` of an object (`None` for other values).
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number, if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The number as an integer, if it is integral and within ±2^53.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) if n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER => Some(*n as i64),
            _ => None,
        }
    }

    /// The boolean, if this is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// Compact JSON text (same as `to_string()`).
    pub fn to_json(&self) -> String {
        self.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Value {
        parse(s.as_bytes()).unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    fn bad(s: &[u8]) -> JsonError {
        match parse(s) {
            Ok(v) => panic!("{:?} parsed as {v:?}", String::from_utf8_lossy(s)),
            Err(e) => e,
        }
    }

    #[test]
    fn scalars_and_containers() {
        assert_eq!(ok("null"), Value::Null);
        assert_eq!(ok(" true "), Value::Bool(true));
        assert_eq!(ok("false"), Value::Bool(false));
        assert_eq!(ok("\"hi\""), Value::String("hi".into()));
        assert_eq!(ok("[]"), Value::Array(vec![]));
        assert_eq!(ok("{}"), Value::Object(vec![]));
        let v = ok(r#"{"a":[1,{"b":null}],"c":"d"}"#);
        assert_eq!(v.get("c").and_then(Value::as_str), Some("d"));
        assert_eq!(
            v.get("a").and_then(Value::as_array).map(<[Value]>::len),
            Some(2)
        );
        assert_eq!(v.get("zz"), None);
        assert_eq!(ok("\t\r\n[ 1 , 2 ]\n").to_string(), "[1,2]");
    }

    #[test]
    fn numbers_follow_the_grammar() {
        for (s, n) in [
            ("0", 0.0),
            ("-0", -0.0),
            ("12", 12.0),
            ("-1.5", -1.5),
            ("1e3", 1000.0),
            ("1E+2", 100.0),
            ("2.5e-1", 0.25),
        ] {
            assert_eq!(ok(s).as_f64(), Some(n), "{s}");
        }
        for s in [
            "01",
            "-01",
            "+1",
            "1.",
            ".5",
            "1e",
            "1e+",
            "-",
            "NaN",
            "Infinity",
            "-Infinity",
            "0x10",
            "1.5.2",
            "1e400",
            "--1",
        ] {
            bad(s.as_bytes());
        }
        assert_eq!(ok("1300819380").as_i64(), Some(1_300_819_380));
        assert_eq!(ok("1.5").as_i64(), None);
        assert_eq!(ok("1e300").as_i64(), None);
    }

    #[test]
    fn escapes_and_surrogates() {
        assert_eq!(
            ok(r#""a\"\\\/\b\f\n\r\t""#).as_str(),
            Some("a\"\\/\u{8}\u{c}\n\r\t")
        );
        assert_eq!(ok(r#""\u0041\u00e9\u20AC""#).as_str(), Some("Aé€"));
        assert_eq!(ok(r#""\ud83d\ude00""#).as_str(), Some("😀"));
        assert_eq!(ok("\"é😀\"").as_str(), Some("é😀"));
        assert_eq!(bad(br#""\ud83d""#).message, "lone high surrogate");
        assert_eq!(bad(br#""\ud83dx""#).message, "lone high surrogate");
        assert_eq!(bad(br#""\ud83d\u0041""#).message, "lone high surrogate");
        assert_eq!(bad(br#""\ude00""#).message, "lone low surrogate");
        bad(br#""\u12""#);
        bad(br#""\u12g4""#);
        bad(br#""\x""#);
        bad(b"\"a\nb\"");
        bad(b"\"\x00\"");
        bad(b"\"abc");
        bad(b"\"\xff\"");
    }

    #[test]
    fn depth_limit() {
        let ok_depth = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        ok(&ok_depth);
        let too_deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(bad(too_deep.as_bytes()).message, "nesting too deep");
        let objs = "{\"a\":".repeat(MAX_DEPTH + 1) + "1" + &"}".repeat(MAX_DEPTH + 1);
        assert_eq!(bad(objs.as_bytes()).message, "nesting too deep");
        // Far deeper than the limit: still an error, not a stack overflow.
        bad("[".repeat(100_000).as_bytes());
    }

    #[test]
    fn duplicate_keys_rejected_small_and_large() {
        let e = bad(br#"{"a":1,"a":2}"#);
        assert_eq!((e.offset, e.message), (7, "duplicate object key"));
        let mut big = String::from("{");
        for i in 0..100 {
            big.push_str(&format!("\"k{i}\":{i},"));
        }
        ok(&(big.clone() + "\"z\":0}"));
        assert_eq!(
            bad((big + "\"k50\":0}").as_bytes()).message,
            "duplicate object key"
        );
    }

    #[test]
    fn trailing_garbage_and_structure_errors() {
        for s in [
            "",
            " ",
            "1 2",
            "{} x",
            "[1,]",
            "[,1]",
            "{\"a\"}",
            "{\"a\":}",
            "{a:1}",
            "{\"a\":1,}",
            "tru",
            "nul",
            "[1",
            "{",
            "'a'",
        ] {
            bad(s.as_bytes());
        }
        let e = bad(b"[1] x");
        assert_eq!(
            e.to_string(),
            "at byte 4: trailing characters after the value"
        );
        bad(&vec![b' '; MAX_INPUT_BYTES + 1]);
        // A byte order mark is not whitespace (RFC 8259 §8.1).
        bad(b"\xef\xbb\xbf{}");
        bad(b"{}\xef\xbb\xbf");
        // Neither are other Unicode spaces or a NUL after the value.
        bad("\u{a0}{}".as_bytes());
        bad(b"{}\x00");
    }

    #[test]
    fn display_round_trips() {
        let src = r#"{"s":"a\"b\u0001\n","n":[1,-2,0.5,1e300],"t":true,"f":false,"z":null}"#;
        let v = ok(src);
        let text = v.to_string();
        assert_eq!(ok(&text), v);
        assert!(
            text.starts_with(r#"{"s":"a\"b\u0001\n","n":[1,-2,0.5,"#),
            "{text}"
        );
        assert_eq!(Value::Number(3.0).to_string(), "3");
        assert_eq!(Value::Number(f64::NAN).to_string(), "null");
    }

    #[test]
    fn object_writer() {
        let mut w = ObjectWriter::new();
        w.string("error", "bad \"x\"")
            .int("n", -3)
            .number("f", 1.5)
            .bool("b", true)
            .null("z")
            .value("v", &Value::Array(vec![Value::Null]))
            .raw("o", "{}");
        let text = w.finish();
        assert_eq!(
            text,
            r#"{"error":"bad \"x\"","n":-3,"f":1.5,"b":true,"z":null,"v":[null],"o":{}}"#
        );
        ok(&text);
        assert_eq!(ObjectWriter::new().finish(), "{}");
    }
}
