//! The JSON reader: one strict pass that validates a text and records
//! where each value is, without copying anything out of it.
//!
//! A tree of [`Value`]s costs one allocation per string and per container:
//! a typical JWT claims set (ten members) is some twenty `malloc`/`free`
//! pairs, more than the rest of its parse. Most readers need only a few
//! members (`alg`, `exp`, `iss`...) and most strings contain no escapes, so
//! the parser instead writes a *tape*: a flat `Vec` of [`Node`]s in
//! document order, each holding the byte range of its value in the text.
//! A container's node records where its subtree ends, so a reader can jump
//! over a member it does not want. Parsing a claims set is then one
//! allocation for the tape; a string is borrowed straight from the text
//! unless it contains escapes, which are decoded when it is read. This is
//! the layout of simdjson's tape and of serde's borrowed strings, kept small.
//!
//! ```text
//! {"alg":"HS256","n":[1,2]}
//!  0 Object  skip 7
//!  1 String  alg            (key)
//!  2 String  HS256          (value)
//!  3 String  n              (key)
//!  4 Array   skip 7
//!  5 Number  1
//!  6 Number  2
//! ```
//!
//! The grammar and the strictness rules are those of the module docs
//! (`super`); every check is made here, once, so a [`Document`] that exists
//! is valid, and [`Item::to_value`] builds the owned tree from it when a
//! caller wants one (that is all [`super::parse`] does).

use std::borrow::Cow;
use std::collections::HashSet;

use super::{JsonError, Value, MAX_DEPTH, MAX_INPUT_BYTES};

/// Objects with more members than this switch from a linear duplicate-key
/// scan to a hash set, so a large object cannot cost quadratic time.
const LINEAR_DUP_CHECK_LIMIT: usize = 16;

/// What a node is.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Tag {
    Null,
    Bool(bool),
    Number(f64),
    /// A string; `true` when it contains escapes to decode on reading.
    String {
        escaped: bool,
    },
    Array,
    Object,
}

/// One value on the tape.
#[derive(Clone, Copy, Debug)]
struct Node {
    tag: Tag,
    /// For strings, the content between the quotes; for other values their
    /// text. Offsets into the document text (at most 1 MiB, so `u32`).
    start: u32,
    end: u32,
    /// Index of the first node after this value's subtree (`index + 1` for
    /// scalars): how a reader skips a member it does not want.
    skip: u32,
}

/// A validated JSON text and the tape of its values.
#[derive(Clone, Debug)]
pub struct Document {
    text: String,
    nodes: Vec<Node>,
}

impl PartialEq for Document {
    fn eq(&self, other: &Self) -> bool {
        self.root().to_value() == other.root().to_value()
    }
}

impl Document {
    /// Validates `input` (which it keeps) as one complete JSON text.
    pub fn parse(input: Vec<u8>) -> Result<Document, JsonError> {
        if input.len() > MAX_INPUT_BYTES {
            return Err(JsonError {
                offset: MAX_INPUT_BYTES,
                message: "input too large",
            });
        }
        let text = String::from_utf8(input).map_err(|e| JsonError {
            offset: e.utf8_error().valid_up_to(),
            message: "invalid UTF-8",
        })?;
        // A value takes at least two bytes with its separator: a tape a
        // quarter of the input's length rarely has to grow.
        let mut p = Parser {
            text: &text,
            pos: 0,
            nodes: Vec::with_capacity(text.len() / 4 + 1),
        };
        p.skip_ws();
        p.value(0)?;
        p.skip_ws();
        if p.pos != text.len() {
            return Err(p.err("trailing characters after the value"));
        }
        let nodes = p.nodes;
        Ok(Document { text, nodes })
    }

    /// The top-level value.
    pub fn root(&self) -> Item<'_> {
        Item { doc: self, at: 0 }
    }

    /// The JSON text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text without insignificant whitespace (RFC 8259 §2: the `ws`
    /// between tokens). Everything else is kept byte for byte: number
    /// literals are not rounded through `f64`, escapes stay as written.
    /// The text is valid, so a `"` outside a string opens one and an
    /// unescaped `"` inside closes it.
    pub fn compact(&self) -> String {
        let mut out = String::with_capacity(self.text.len());
        let (mut in_string, mut escaped) = (false, false);
        for c in self.text.chars() {
            if in_string {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => in_string = false,
                    _ => {}
                }
            } else if matches!(c, ' ' | '\t' | '\n' | '\r') {
                continue;
            } else if c == '"' {
                in_string = true;
            }
            out.push(c);
        }
        out
    }

    fn node(&self, at: usize) -> Option<&Node> {
        self.nodes.get(at)
    }

    /// The decoded string of a string node.
    fn string(&self, node: &Node) -> Option<Cow<'_, str>> {
        decode_string(&self.text, node)
    }
}

/// Whether string `node` of `text` decodes to `want`; without escapes that
/// is a plain byte comparison, with no decoding and no `Cow`.
fn string_equals(text: &str, node: &Node, want: &str) -> bool {
    match node.tag {
        Tag::String { escaped: false } => {
            text.as_bytes().get(node.start as usize..node.end as usize) == Some(want.as_bytes())
        }
        _ => decode_string(text, node).as_deref() == Some(want),
    }
}

/// The decoded text of string `node` of `text` (`None` for other nodes):
/// borrowed when it has no escapes. For one with escapes, the parser's own
/// string rule runs again from the opening quote, this time keeping what it
/// decodes; the text was validated when the tape was made, so it succeeds.
fn decode_string<'t>(text: &'t str, node: &Node) -> Option<Cow<'t, str>> {
    let (start, end) = (node.start as usize, node.end as usize);
    match node.tag {
        Tag::String { escaped: false } => text.get(start..end).map(Cow::Borrowed),
        Tag::String { escaped: true } => {
            let mut out = String::with_capacity(end.saturating_sub(start));
            let mut p = Parser {
                text,
                pos: start.saturating_sub(1),
                nodes: Vec::new(),
            };
            p.string(Some(&mut out)).ok()?;
            Some(Cow::Owned(out))
        }
        _ => None,
    }
}

/// A value inside a [`Document`]: a cheap handle for reading it.
#[derive(Clone, Copy, Debug)]
pub struct Item<'d> {
    doc: &'d Document,
    at: usize,
}

impl<'d> Item<'d> {
    fn node(&self) -> Option<&'d Node> {
        self.doc.node(self.at)
    }

    fn tag(&self) -> Option<Tag> {
        self.node().map(|n| n.tag)
    }

    /// The member `key` of an object (`None` for other values).
    pub fn get(&self, key: &str) -> Option<Item<'d>> {
        let doc = self.doc;
        self.children(Tag::Object)
            .find(|&at| {
                doc.node(at)
                    .is_some_and(|node| string_equals(&doc.text, node, key))
            })
            .map(|key_at| Item {
                doc,
                at: key_at + 1,
            })
    }

    /// The members of an object in document order (empty for other values).
    pub fn members(&self) -> impl Iterator<Item = (Cow<'d, str>, Item<'d>)> + 'd {
        let doc = self.doc;
        self.children(Tag::Object).map_while(move |key_at| {
            let key = doc.string(doc.node(key_at)?)?;
            Some((
                key,
                Item {
                    doc,
                    at: key_at + 1,
                },
            ))
        })
    }

    /// The elements of an array (empty for other values).
    pub fn elements(&self) -> impl Iterator<Item = Item<'d>> + 'd {
        let doc = self.doc;
        self.children(Tag::Array).map(move |at| Item { doc, at })
    }

    /// Indices of the direct children of a container tagged `want`: for an
    /// object, its keys (each value is the node after its key).
    fn children(&self, want: Tag) -> impl Iterator<Item = usize> + 'd {
        let doc = self.doc;
        let (first, end) = match self.node() {
            Some(n) if n.tag == want => (self.at + 1, n.skip as usize),
            _ => (0, 0),
        };
        let step = if want == Tag::Object { 1 } else { 0 };
        let mut next = Some(first).filter(|&i| i < end);
        std::iter::from_fn(move || {
            let at = next?;
            // Skip the element (or the key's value) and its subtree.
            let after = doc.node(at + step)?.skip as usize;
            next = Some(after).filter(|&i| i < end && i > at);
            Some(at)
        })
    }

    /// The string, if this is a string (borrowed unless it had escapes).
    pub fn as_str(&self) -> Option<Cow<'d, str>> {
        self.doc.string(self.node()?)
    }

    /// The number, if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self.tag()? {
            Tag::Number(n) => Some(n),
            _ => None,
        }
    }

    /// A number's literal exactly as the text wrote it (`12345678901234567891`,
    /// `1e3`, `-0.50`): what to pass on when the value must not be rounded
    /// through an `f64`.
    pub fn number_text(&self) -> Option<&'d str> {
        let node = self.node()?;
        match node.tag {
            Tag::Number(_) => self.doc.text.get(node.start as usize..node.end as usize),
            _ => None,
        }
    }

    /// True for strings.
    pub fn is_string(&self) -> bool {
        matches!(self.tag(), Some(Tag::String { .. }))
    }

    /// True for numbers.
    pub fn is_number(&self) -> bool {
        matches!(self.tag(), Some(Tag::Number(_)))
    }

    /// True for arrays.
    pub fn is_array(&self) -> bool {
        matches!(self.tag(), Some(Tag::Array))
    }

    /// True for objects.
    pub fn is_object(&self) -> bool {
        matches!(self.tag(), Some(Tag::Object))
    }

    /// This value as an owned tree.
    pub fn to_value(&self) -> Value {
        match self.tag() {
            None | Some(Tag::Null) => Value::Null,
            Some(Tag::Bool(b)) => Value::Bool(b),
            Some(Tag::Number(n)) => Value::Number(n),
            Some(Tag::String { .. }) => {
                Value::String(self.as_str().map(Cow::into_owned).unwrap_or_default())
            }
            // Nesting is at most MAX_DEPTH, checked by the parser, so this
            // recursion is bounded.
            Some(Tag::Array) => Value::Array(self.elements().map(|e| e.to_value()).collect()),
            Some(Tag::Object) => Value::Object(
                self.members()
                    .map(|(k, v)| (k.into_owned(), v.to_value()))
                    .collect(),
            ),
        }
    }
}

/// Recursive descent over the text, appending to the tape.
struct Parser<'a> {
    text: &'a str,
    pos: usize,
    nodes: Vec<Node>,
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

    /// Appends a node for `start..self.pos`; returns its index.
    fn push(&mut self, tag: Tag, start: usize, end: usize) -> usize {
        let at = self.nodes.len();
        self.nodes.push(Node {
            tag,
            // Input is at most MAX_INPUT_BYTES (1 MiB), so offsets fit.
            start: start as u32,
            end: end as u32,
            skip: at as u32 + 1,
        });
        at
    }

    /// Records that the container at `at` ends before the next node.
    fn close(&mut self, at: usize) {
        let end = self.nodes.len() as u32;
        if let Some(n) = self.nodes.get_mut(at) {
            n.skip = end;
            n.end = self.pos as u32;
        }
    }

    fn literal(&mut self, lit: &'static str, tag: Tag) -> Result<(), JsonError> {
        let rest = self.text.get(self.pos..).unwrap_or_default();
        if !rest.starts_with(lit) {
            return Err(self.err("invalid literal"));
        }
        self.push(tag, self.pos, self.pos + lit.len());
        self.pos += lit.len();
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Result<(), JsonError> {
        match self.peek() {
            None => Err(self.err("unexpected end of input")),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => self.string_node().map(drop),
            Some(b't') => self.literal("true", Tag::Bool(true)),
            Some(b'f') => self.literal("false", Tag::Bool(false)),
            Some(b'n') => self.literal("null", Tag::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.err("expected a value")),
        }
    }

    fn object(&mut self, depth: usize) -> Result<(), JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        let at = self.push(Tag::Object, self.pos, self.pos);
        self.pos += 1; // '{'
        let mut keys_seen = 0usize;
        let mut seen: Option<HashSet<String>> = None;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            self.close(at);
            return Ok(());
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.err("expected a string key"));
            }
            let key_offset = self.pos;
            let key_at = self.string_node()?;
            if self.is_duplicate(at, key_at, &mut seen, keys_seen) {
                return Err(JsonError {
                    offset: key_offset,
                    message: "duplicate object key",
                });
            }
            keys_seen += 1;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.err("expected ':'"));
            }
            self.pos += 1;
            self.skip_ws();
            self.value(depth)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    self.close(at);
                    return Ok(());
                }
                _ => return Err(self.err("expected ',' or '}'")),
            }
        }
    }

    /// Whether the key just parsed at `key_at` repeats an earlier key of the
    /// object at `object_at` (compared decoded: `"a"` and `"\u0061"` are the
    /// same key). Linear while the object is small, a hash set after.
    fn is_duplicate(
        &self,
        object_at: usize,
        key_at: usize,
        seen: &mut Option<HashSet<String>>,
        keys_seen: usize,
    ) -> bool {
        let key_of = |at: usize| {
            self.nodes
                .get(at)
                .and_then(|node| decode_string(self.text, node))
        };
        let Some(key) = key_of(key_at) else {
            return false;
        };
        if let Some(set) = seen {
            return !set.insert(key.into_owned());
        }
        // The earlier keys: walk the object's children up to this key (each
        // key's value node says where the next key is).
        let earlier = || {
            let mut i = object_at + 1;
            std::iter::from_fn(move || {
                let at = Some(i).filter(|&i| i < key_at)?;
                i = self.nodes.get(at + 1).map_or(key_at, |v| v.skip as usize);
                Some(at)
            })
        };
        let same_key = |at: usize| {
            self.nodes
                .get(at)
                .is_some_and(|node| string_equals(self.text, node, &key))
        };
        if earlier().any(same_key) {
            return true;
        }
        if keys_seen + 1 >= LINEAR_DUP_CHECK_LIMIT {
            let mut set: HashSet<String> = earlier()
                .filter_map(|k| key_of(k).map(Cow::into_owned))
                .collect();
            set.insert(key.into_owned());
            *seen = Some(set);
        }
        false
    }

    fn array(&mut self, depth: usize) -> Result<(), JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        let at = self.push(Tag::Array, self.pos, self.pos);
        self.pos += 1; // '['
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            self.close(at);
            return Ok(());
        }
        loop {
            self.skip_ws();
            self.value(depth)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    self.close(at);
                    return Ok(());
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

    fn number(&mut self) -> Result<(), JsonError> {
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
        let n = match small_integer(literal) {
            Some(n) => n,
            None => match literal.parse::<f64>() {
                Ok(n) if n.is_finite() => n,
                _ => {
                    return Err(JsonError {
                        offset: start,
                        message: "number out of range",
                    })
                }
            },
        };
        self.push(Tag::Number(n), start, self.pos);
        Ok(())
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

    /// Parses a string and appends its node; returns the node's index.
    fn string_node(&mut self) -> Result<usize, JsonError> {
        let start = self.pos + 1;
        let escaped = self.string(None)?;
        Ok(self.push(Tag::String { escaped }, start, self.pos - 1))
    }

    /// Parses a string starting at its opening quote, appending the decoded
    /// text to `out` when given (validating only when not). Returns whether
    /// it contained escapes.
    fn string(&mut self, mut out: Option<&mut String>) -> Result<bool, JsonError> {
        self.pos += 1; // '"'
        let mut escaped = false;
        loop {
            // The longest run of plain characters. The run ends at an ASCII
            // byte, so both ends are char boundaries.
            let run_start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            if let Some(out) = out.as_deref_mut() {
                out.push_str(self.text.get(run_start..self.pos).unwrap_or_default());
            }
            match self.peek() {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(escaped);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    escaped = true;
                    let ch = self.escape()?;
                    if let Some(out) = out.as_deref_mut() {
                        out.push(ch);
                    }
                }
                Some(_) => return Err(self.err("control character in string")),
            }
        }
    }

    /// Parses the escape after a backslash.
    fn escape(&mut self) -> Result<char, JsonError> {
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
        Ok(ch)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(s: &str) -> Document {
        Document::parse(s.as_bytes().to_vec()).unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    #[test]
    fn tape_layout_matches_the_module_example() {
        let d = doc(r#"{"alg":"HS256","n":[1,2]}"#);
        let tags: Vec<Tag> = d.nodes.iter().map(|n| n.tag).collect();
        let plain = Tag::String { escaped: false };
        assert_eq!(
            tags,
            [
                Tag::Object,
                plain,
                plain,
                plain,
                Tag::Array,
                Tag::Number(1.0),
                Tag::Number(2.0)
            ]
        );
        let skips: Vec<u32> = d.nodes.iter().map(|n| n.skip).collect();
        assert_eq!(skips, [7, 2, 3, 4, 7, 6, 7]);
    }

    #[test]
    fn members_skip_nested_values() {
        let d = doc(r#"{"a":{"x":[1,{"y":2}],"z":3},"b":[[],[{}]],"c":"last"}"#);
        let root = d.root();
        assert_eq!(
            root.get("c").and_then(|v| v.as_str()).as_deref(),
            Some("last")
        );
        let keys: Vec<String> = root.members().map(|(k, _)| k.into_owned()).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        let a = root.get("a").expect("a");
        assert!(a.is_object());
        assert_eq!(a.get("z").and_then(|v| v.as_f64()), Some(3.0));
        assert!(a.get("y").is_none(), "members are direct children only");
        let b = root.get("b").expect("b");
        assert!(b.is_array());
        assert_eq!(b.elements().count(), 2);
        assert_eq!(root.elements().count(), 0, "an object has no elements");
        assert_eq!(b.members().count(), 0, "an array has no members");
        assert!(root.get("missing").is_none());
    }

    #[test]
    fn strings_borrow_unless_escaped() {
        let d = doc(r#"{"plain":"abc","esc":"a\nb\u00e9","k\u0065y":1}"#);
        let root = d.root();
        assert!(matches!(
            root.get("plain").and_then(|v| v.as_str()),
            Some(Cow::Borrowed("abc"))
        ));
        let esc = root.get("esc").and_then(|v| v.as_str());
        assert!(matches!(esc, Some(Cow::Owned(ref s)) if s == "a\nbé"));
        assert_eq!(root.get("key").and_then(|v| v.as_f64()), Some(1.0));
        assert_eq!(root.get("esc").map(|v| v.is_string()), Some(true));
        assert_eq!(root.get("key").map(|v| v.is_number()), Some(true));
    }

    #[test]
    fn duplicate_keys_compare_decoded() {
        let e = Document::parse(br#"{"a":1,"\u0061":2}"#.to_vec()).expect_err("duplicate");
        assert_eq!((e.offset, e.message), (7, "duplicate object key"));
        // Same key in different objects is fine.
        doc(r#"{"a":{"a":1},"b":{"a":2}}"#);
        // Past the linear limit the hash set must agree, escapes included.
        let mut big = String::from("{");
        for i in 0..40 {
            big.push_str(&format!("\"k{i}\":{{\"k{i}\":{i}}},"));
        }
        doc(&(big.clone() + "\"z\":0}"));
        let e = Document::parse((big + r#""k\u0033":0}"#).into_bytes()).expect_err("k3 twice");
        assert_eq!(e.message, "duplicate object key");
    }

    #[test]
    fn number_text_is_the_literal() {
        let d = doc(r#"{"big":12345678901234567891,"e":1E3,"f":-0.50,"s":"1"}"#);
        let root = d.root();
        let text = |k: &str| root.get(k).and_then(|v| v.number_text());
        assert_eq!(text("big"), Some("12345678901234567891"));
        assert_eq!(text("e"), Some("1E3"));
        assert_eq!(text("f"), Some("-0.50"));
        assert_eq!(text("s"), None);
    }

    #[test]
    fn compact_drops_only_insignificant_whitespace() {
        let d = doc(" {\r\n \"a b\" : [ 1 ,\t12345678901234567891 ] ,\n \"s\":\"x \\\" y\\\\\", \"e\":1E3 } ");
        assert_eq!(
            d.compact(),
            r#"{"a b":[1,12345678901234567891],"s":"x \" y\\","e":1E3}"#
        );
        assert_eq!(doc(&d.compact()), d);
        assert_eq!(doc("\"é \\u00e9\"").compact(), "\"é \\u00e9\"");
    }

    #[test]
    fn to_value_round_trips_every_kind() {
        let src = r#"{"s":"a\"b","n":[1,-2.5,0.125],"t":true,"f":false,"z":null,"o":{"p":[]}}"#;
        let v = doc(src).root().to_value();
        assert_eq!(v.to_string(), src);
        assert_eq!(doc(&v.to_string()), doc(src));
    }
}
