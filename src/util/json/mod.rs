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
//! the input must be UTF-8 (§8.1) and at most [`MAX_INPUT_BYTES`]; nesting is
//! limited to [`MAX_DEPTH`]; duplicate object keys are rejected (§4 says
//! behaviour is unpredictable); numbers that overflow `f64` are rejected;
//! anything after the value except whitespace is rejected. Errors carry the
//! byte offset and a static message; the parser never panics.
//!
//! The writer side is `Display` for [`Value`] (compact JSON; integral numbers
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

use std::collections::HashSet;
use std::fmt::{self, Write as _};

/// Deepest nesting of arrays and objects accepted (the top-level value is depth 1).
pub const MAX_DEPTH: usize = 32;
/// Largest input accepted by [`parse`], in bytes (1 MiB).
pub const MAX_INPUT_BYTES: usize = 1 << 20;
/// Objects with more members than this switch from a linear duplicate-key
/// scan to a hash set, so a large object cannot cost quadratic time.
const LINEAR_DUP_CHECK_LIMIT: usize = 16;
/// Largest integer magnitude an `f64` represents exactly (2^53).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_992.0;

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

/// Parses one complete JSON text.
pub fn parse(input: &[u8]) -> Result<Value, JsonError> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(JsonError {
            offset: MAX_INPUT_BYTES,
            message: "input too large",
        });
    }
    let text = std::str::from_utf8(input).map_err(|e| JsonError {
        offset: e.valid_up_to(),
        message: "invalid UTF-8",
    })?;
    let mut p = Parser { text, pos: 0 };
    p.skip_ws();
    let value = p.value(0)?;
    p.skip_ws();
    if p.pos != text.len() {
        return Err(p.err("trailing characters after the value"));
    }
    Ok(value)
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn err(&self, message: &'static str) -> JsonError {
        JsonError {
            offset: self.pos,
            message,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect_literal(&mut self, lit: &'static str, v: Value) -> Result<Value, JsonError> {
        let rest = self.text.get(self.pos..).unwrap_or_default();
        if rest.starts_with(lit) {
            self.pos += lit.len();
            Ok(v)
        } else {
            Err(self.err("invalid literal"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, JsonError> {
        match self.peek() {
            None => Err(self.err("unexpected end of input")),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b't') => self.expect_literal("true", Value::Bool(true)),
            Some(b'f') => self.expect_literal("false", Value::Bool(false)),
            Some(b'n') => self.expect_literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.err("expected a value")),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        self.pos += 1; // '{'
        let mut members: Vec<(String, Value)> = Vec::new();
        let mut seen: Option<HashSet<String>> = None;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(members));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.err("expected a string key"));
            }
            let key_at = self.pos;
            let key = self.string()?;
            let duplicate = match &mut seen {
                Some(set) => !set.insert(key.clone()),
                None => members.iter().any(|(k, _)| *k == key),
            };
            if duplicate {
                return Err(JsonError {
                    offset: key_at,
                    message: "duplicate object key",
                });
            }
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.err("expected ':'"));
            }
            self.pos += 1;
            self.skip_ws();
            let v = self.value(depth)?;
            members.push((key, v));
            if seen.is_none() && members.len() >= LINEAR_DUP_CHECK_LIMIT {
                seen = Some(members.iter().map(|(k, _)| k.clone()).collect());
            }
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Object(members));
                }
                _ => return Err(self.err("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        self.pos += 1; // '['
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.err("expected ',' or ']'")),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Value, JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.err("leading zeros are not allowed"));
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.err("expected a digit")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.err("expected a digit after '.'"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.err("expected a digit in the exponent"));
            }
        }
        let literal = self.text.get(start..self.pos).unwrap_or_default();
        if let Some(n) = small_integer(literal) {
            return Ok(Value::Number(n));
        }
        match literal.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(Value::Number(n)),
            _ => Err(JsonError {
                offset: start,
                message: "number out of range",
            }),
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .ok_or(self.err("truncated \\u escape"))?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.err("invalid \\u escape"));
        }
        let v = u32::from_str_radix(digits, 16).map_err(|_| self.err("invalid \\u escape"))?;
        self.pos += 4;
        Ok(v)
    }

    /// Parses a string starting at its opening quote.
    fn string(&mut self) -> Result<String, JsonError> {
        self.pos += 1; // '"'
        let mut out = String::new();
        loop {
            // Copy the longest run of plain characters in one go. The run
            // ends at an ASCII byte, so both ends are char boundaries.
            let run_start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(self.text.get(run_start..self.pos).unwrap_or_default());
            match self.peek() {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    self.escape(&mut out)?;
                }
                Some(_) => return Err(self.err("control character in string")),
            }
        }
    }

    /// Parses the escape after a backslash and appends it.
    fn escape(&mut self, out: &mut String) -> Result<(), JsonError> {
        let c = self.peek().ok_or(self.err("unterminated escape"))?;
        self.pos += 1;
        let ch = match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let at = self.pos - 2;
                let first = self.hex4()?;
                let code = match first {
                    0xD800..=0xDBFF => {
                        let rest = self.text.get(self.pos..).unwrap_or_default();
                        if !rest.starts_with("\\u") {
                            return Err(JsonError {
                                offset: at,
                                message: "lone high surrogate",
                            });
                        }
                        self.pos += 2;
                        let second = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&second) {
                            return Err(JsonError {
                                offset: at,
                                message: "lone high surrogate",
                            });
                        }
                        0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                    }
                    0xDC00..=0xDFFF => {
                        return Err(JsonError {
                            offset: at,
                            message: "lone low surrogate",
                        })
                    }
                    other => other,
                };
                char::from_u32(code).ok_or(JsonError {
                    offset: at,
                    message: "invalid \\u escape",
                })?
            }
            _ => {
                return Err(JsonError {
                    offset: self.pos - 1,
                    message: "invalid escape",
                })
            }
        };
        out.push(ch);
        Ok(())
    }
}

/// Fast path for the common case in claims (`exp`, `iat`, counters): an
/// optional `-` and at most 15 digits is exactly representable, so it can be
/// accumulated as an integer instead of going through the float parser.
fn small_integer(literal: &str) -> Option<f64> {
    /// Up to 15 decimal digits always fit in the 53-bit mantissa.
    const MAX_FAST_DIGITS: usize = 15;
    let (negative, digits) = match literal.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, literal),
    };
    if digits.is_empty()
        || digits.len() > MAX_FAST_DIGITS
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let n = digits
        .bytes()
        .fold(0i64, |acc, b| acc * 10 + i64::from(b - b'0'));
    let n = n as f64;
    Some(if negative { -n } else { n })
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

/// Appends `s` as a quoted JSON string, escaping `"`, `\` and control
/// characters (U+007F and above are written as UTF-8).
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Writes a number: integral values within ±2^53 without a fraction,
/// non-finite values (which [`parse`] never produces) as `null`.
fn write_number(out: &mut String, n: f64) {
    if !n.is_finite() {
        out.push_str("null");
    } else if n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER {
        let _ = write!(out, "{}", n as i64);
    } else {
        let _ = write!(out, "{n}");
    }
}

fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, *n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, (k, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        write_value(&mut out, self);
        f.write_str(&out)
    }
}

/// Builds one flat JSON object member by member, without an intermediate
/// [`Value`]. Keys are written in call order; the caller keeps them unique.
#[derive(Debug)]
pub struct ObjectWriter {
    out: String,
    empty: bool,
}

impl Default for ObjectWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl ObjectWriter {
    /// Starts `{`.
    pub fn new() -> Self {
        ObjectWriter {
            out: String::from("{"),
            empty: true,
        }
    }

    fn key(&mut self, key: &str) {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        write_string(&mut self.out, key);
        self.out.push(':');
    }

    /// Adds `"key":"value"`.
    pub fn string(&mut self, key: &str, value: &str) -> &mut Self {
        self.key(key);
        write_string(&mut self.out, value);
        self
    }

    /// Adds `"key":n` for an integer.
    pub fn int(&mut self, key: &str, value: i64) -> &mut Self {
        self.key(key);
        let _ = write!(self.out, "{value}");
        self
    }

    /// Adds `"key":n` for any number (non-finite becomes `null`).
    pub fn number(&mut self, key: &str, value: f64) -> &mut Self {
        self.key(key);
        write_number(&mut self.out, value);
        self
    }

    /// Adds `"key":true|false`.
    pub fn bool(&mut self, key: &str, value: bool) -> &mut Self {
        self.key(key);
        self.out.push_str(if value { "true" } else { "false" });
        self
    }

    /// Adds `"key":null`.
    pub fn null(&mut self, key: &str) -> &mut Self {
        self.key(key);
        self.out.push_str("null");
        self
    }

    /// Adds `"key":<value>` for any [`Value`].
    pub fn value(&mut self, key: &str, value: &Value) -> &mut Self {
        self.key(key);
        write_value(&mut self.out, value);
        self
    }

    /// Adds `"key":<json>` where `json` is already valid JSON text (for
    /// nesting the output of another writer). The caller vouches for it.
    pub fn raw(&mut self, key: &str, json: &str) -> &mut Self {
        self.key(key);
        self.out.push_str(json);
        self
    }

    /// Closes the object and returns its text.
    pub fn finish(mut self) -> String {
        self.out.push('}');
        self.out
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
