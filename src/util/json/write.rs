//! The JSON writer: compact text for [`Value`]s (its `Display`), one escaped
//! string ([`write_string`]), and [`ObjectWriter`] for flat objects built
//! member by member, such as error bodies.

use std::fmt::{self, Write as _};

use super::{Value, MAX_SAFE_INTEGER};

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
