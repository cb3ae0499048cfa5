//! Pattern text -> abstract syntax tree.
//!
//! A small recursive-descent parser over the *characters* of the pattern. The
//! grammar, loosest binding first:
//!
//! ```text
//! alternation = concat ( "|" concat )*
//! concat      = repeat*
//! repeat      = atom ( ( "*" | "+" | "?" | "{n}" | "{n,}" | "{n,m}" ) "?"? )?
//! atom        = literal | "." | class | escape | "^" | "$"
//!             | "(" alternation ")" | "(?:" alternation ")"
//! ```
//!
//! Every error carries the 1-based character column of the fault, so a config
//! error can point at it. Nesting depth and repeat counts are bounded by the
//! named constants below; the total pattern length is bounded by the caller
//! (`MAX_PATTERN_LEN` in `mod.rs`), so the recursion here cannot blow the stack.

/// Largest count accepted in `{n}`, `{n,}` and `{n,m}`.
pub const MAX_REPEAT: u32 = 1000;

/// Deepest nesting of groups, e.g. `((((a))))` has depth 4.
pub const MAX_NESTING: usize = 64;

/// A set of characters as sorted, non-overlapping, non-adjacent inclusive ranges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CharSet {
    /// The ranges, ascending.
    pub ranges: Vec<(char, char)>,
}

impl CharSet {
    fn from_ranges(mut ranges: Vec<(char, char)>) -> CharSet {
        ranges.sort_unstable();
        let mut merged: Vec<(char, char)> = Vec::with_capacity(ranges.len());
        for (lo, hi) in ranges {
            if let Some(last) = merged.last_mut() {
                if next_char(last.1).is_some_and(|n| lo <= n) {
                    if hi > last.1 {
                        last.1 = hi;
                    }
                    continue;
                }
            }
            merged.push((lo, hi));
        }
        CharSet { ranges: merged }
    }

    /// Every character that is not in `self`.
    fn complement(&self) -> CharSet {
        let mut out = Vec::new();
        let mut start = Some('\0');
        for &(lo, hi) in &self.ranges {
            if let Some(s) = start {
                if s < lo {
                    if let Some(p) = prev_char(lo) {
                        out.push((s, p));
                    }
                }
            }
            start = next_char(hi);
        }
        if let Some(s) = start {
            out.push((s, char::MAX));
        }
        CharSet { ranges: out }
    }

    /// Whether `c` is in the set (binary search over the ranges).
    pub fn contains(&self, c: char) -> bool {
        self.ranges
            .binary_search_by(|&(lo, hi)| {
                if hi < c {
                    std::cmp::Ordering::Less
                } else if lo > c {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok()
    }
}

/// The character after `c`, skipping the surrogate gap.
fn next_char(c: char) -> Option<char> {
    match c {
        '\u{D7FF}' => Some('\u{E000}'),
        char::MAX => None,
        _ => char::from_u32(c as u32 + 1),
    }
}

/// The character before `c`, skipping the surrogate gap.
fn prev_char(c: char) -> Option<char> {
    match c {
        '\u{E000}' => Some('\u{D7FF}'),
        '\0' => None,
        _ => char::from_u32(c as u32 - 1),
    }
}

/// The syntax tree of a pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ast {
    /// Matches the empty string (an empty branch such as the right of `a|`).
    Empty,
    /// One literal character.
    Literal(char),
    /// `.`: any character except `\n`.
    Any,
    /// A class such as `[a-z]`, `[^/]` or `\d`.
    Class(CharSet),
    /// `^`: the start of the text.
    Start,
    /// `$`: the end of the text.
    End,
    /// A group; `Some(n)` captures into group `n` (1-based), `None` is `(?:...)`.
    Group(Option<usize>, Box<Ast>),
    /// Pieces one after another.
    Concat(Vec<Ast>),
    /// Alternatives, leftmost preferred.
    Alternate(Vec<Ast>),
    /// A repetition.
    Repeat {
        /// What is repeated.
        ast: Box<Ast>,
        /// Fewest repetitions.
        min: u32,
        /// Most repetitions; `None` is unbounded.
        max: Option<u32>,
        /// Greedy (prefer more) or lazy (prefer fewer).
        greedy: bool,
        /// Column of the repeat operator, for errors found later (program size).
        column: usize,
    },
}

/// A parse fault: 1-based column and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based character column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// The parsed pattern.
pub struct Parsed {
    /// The tree.
    pub ast: Ast,
    /// Number of capturing groups, not counting group 0.
    pub groups: usize,
}

/// Parse `pattern` into a tree.
pub fn parse(pattern: &str) -> Result<Parsed, ParseError> {
    let mut p = Parser {
        chars: pattern.chars().collect(),
        pos: 0,
        groups: 0,
        depth: 0,
    };
    let ast = p.alternation()?;
    if let Some(c) = p.peek() {
        // alternation() only stops early at a ')' that has no '('.
        return Err(p.error_here(format!("unbalanced '{c}': no group to close")));
    }
    Ok(Parsed {
        ast,
        groups: p.groups,
    })
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    groups: usize,
    depth: usize,
}

fn err<T>(column: usize, message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError {
        column,
        message: message.into(),
    })
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    /// 1-based column of the next character.
    fn column(&self) -> usize {
        self.pos + 1
    }

    fn error_here(&self, message: String) -> ParseError {
        ParseError {
            column: self.column(),
            message,
        }
    }

    fn alternation(&mut self) -> Result<Ast, ParseError> {
        let mut branches = vec![self.concat()?];
        while self.peek() == Some('|') {
            self.pos += 1;
            branches.push(self.concat()?);
        }
        Ok(if branches.len() == 1 {
            branches.pop().unwrap_or(Ast::Empty)
        } else {
            Ast::Alternate(branches)
        })
    }

    fn concat(&mut self) -> Result<Ast, ParseError> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            items.push(self.repeat(atom)?);
        }
        Ok(match items.len() {
            0 => Ast::Empty,
            1 => items.pop().unwrap_or(Ast::Empty),
            _ => Ast::Concat(items),
        })
    }

    /// Parse an optional repeat operator after `atom`.
    fn repeat(&mut self, atom: Ast) -> Result<Ast, ParseError> {
        let column = self.column();
        let (min, max) = match self.peek() {
            Some('*') => {
                self.pos += 1;
                (0, None)
            }
            Some('+') => {
                self.pos += 1;
                (1, None)
            }
            Some('?') => {
                self.pos += 1;
                (0, Some(1))
            }
            Some('{') => self.counted()?,
            _ => return Ok(atom),
        };
        if matches!(atom, Ast::Start | Ast::End) {
            return err(column, "an anchor cannot be repeated");
        }
        let greedy = if self.peek() == Some('?') {
            self.pos += 1;
            false
        } else {
            true
        };
        if let Some(c @ ('*' | '+' | '?' | '{')) = self.peek() {
            return err(
                self.column(),
                format!("'{c}' repeats a repeat; use a group"),
            );
        }
        Ok(Ast::Repeat {
            ast: Box::new(atom),
            min,
            max,
            greedy,
            column,
        })
    }

    /// `{n}`, `{n,}`, `{n,m}` starting at the `{`.
    fn counted(&mut self) -> Result<(u32, Option<u32>), ParseError> {
        let open = self.column();
        self.pos += 1; // '{'
        let min = self.number(open)?;
        let max = match self.peek() {
            Some('}') => Some(min),
            Some(',') => {
                self.pos += 1;
                if self.peek() == Some('}') {
                    None
                } else {
                    Some(self.number(open)?)
                }
            }
            _ => return err(self.column(), "bad repeat: expected ',' or '}'"),
        };
        if self.peek() != Some('}') {
            return err(self.column(), "bad repeat: expected '}'");
        }
        self.pos += 1;
        if let Some(m) = max {
            if m < min {
                return err(open, format!("bad repeat: {{{min},{m}}} has max below min"));
            }
        }
        Ok((min, max))
    }

    fn number(&mut self, open: usize) -> Result<u32, ParseError> {
        let start = self.column();
        let mut value: u32 = 0;
        let mut digits = 0;
        while let Some(d) = self.peek().and_then(|c| c.to_digit(10)) {
            value = value.saturating_mul(10).saturating_add(d);
            digits += 1;
            self.pos += 1;
        }
        if digits == 0 {
            return err(open, "bad repeat: expected a number after '{'");
        }
        if value > MAX_REPEAT {
            return err(
                start,
                format!("repeat count {value} is over the maximum {MAX_REPEAT}"),
            );
        }
        Ok(value)
    }

    fn atom(&mut self) -> Result<Ast, ParseError> {
        let column = self.column();
        let Some(c) = self.peek() else {
            return err(column, "unexpected end of pattern");
        };
        self.pos += 1;
        match c {
            '.' => Ok(Ast::Any),
            '^' => Ok(Ast::Start),
            '$' => Ok(Ast::End),
            '*' | '+' | '?' => err(column, format!("'{c}' has nothing to repeat")),
            '{' => err(
                column,
                "'{' has nothing to repeat (write '\\{' for a literal brace)",
            ),
            '[' => self.class(column),
            '\\' => self.escape(column, false).map(|e| match e {
                Escaped::Char(ch) => Ast::Literal(ch),
                Escaped::Set(set) => Ast::Class(set),
            }),
            '(' => self.group(column),
            _ => Ok(Ast::Literal(c)),
        }
    }

    fn group(&mut self, column: usize) -> Result<Ast, ParseError> {
        if self.depth >= MAX_NESTING {
            return err(column, format!("groups nested deeper than {MAX_NESTING}"));
        }
        let index = if self.peek() == Some('?') {
            if self.peek_at(1) == Some(':') {
                self.pos += 2;
                None
            } else {
                return err(self.column(), "unsupported group flag: only '(?:' is known");
            }
        } else {
            self.groups += 1;
            Some(self.groups)
        };
        self.depth += 1;
        let inner = self.alternation()?;
        self.depth -= 1;
        if self.peek() != Some(')') {
            return err(column, "unbalanced '(': group is never closed");
        }
        self.pos += 1;
        Ok(Ast::Group(index, Box::new(inner)))
    }

    /// After a `\` at `column`. Inside a class a few more escapes are literal.
    fn escape(&mut self, column: usize, in_class: bool) -> Result<Escaped, ParseError> {
        let Some(c) = self.peek() else {
            return err(column, "dangling '\\' at the end of the pattern");
        };
        self.pos += 1;
        let set = |ranges: &[(char, char)]| CharSet::from_ranges(ranges.to_vec());
        Ok(match c {
            'd' => Escaped::Set(set(DIGIT)),
            'w' => Escaped::Set(set(WORD)),
            's' => Escaped::Set(set(SPACE)),
            'D' => Escaped::Set(set(DIGIT).complement()),
            'W' => Escaped::Set(set(WORD).complement()),
            'S' => Escaped::Set(set(SPACE).complement()),
            'n' => Escaped::Char('\n'),
            't' => Escaped::Char('\t'),
            'r' => Escaped::Char('\r'),
            '-' if in_class => Escaped::Char('-'),
            c if c.is_ascii_punctuation() || c == ' ' => Escaped::Char(c),
            c => return err(column, format!("unknown escape '\\{c}'")),
        })
    }

    /// After a `[` at `column`.
    fn class(&mut self, column: usize) -> Result<Ast, ParseError> {
        let negated = if self.peek() == Some('^') {
            self.pos += 1;
            true
        } else {
            false
        };
        let mut ranges: Vec<(char, char)> = Vec::new();
        let mut first = true;
        loop {
            let item_column = self.column();
            let Some(c) = self.peek() else {
                return err(column, "unbalanced '[': class is never closed");
            };
            if c == ']' && !first {
                self.pos += 1;
                break;
            }
            first = false;
            self.pos += 1;
            let lo = if c == '\\' {
                match self.escape(item_column, true)? {
                    Escaped::Char(ch) => ch,
                    Escaped::Set(set) => {
                        ranges.extend(set.ranges);
                        continue;
                    }
                }
            } else {
                c
            };
            // A range `lo-hi`, unless the '-' is last before ']'.
            if self.peek() == Some('-') && self.peek_at(1).is_some_and(|n| n != ']') {
                self.pos += 1;
                let hi_column = self.column();
                let hi = match self.peek() {
                    Some('\\') => {
                        self.pos += 1;
                        match self.escape(hi_column, true)? {
                            Escaped::Char(ch) => ch,
                            Escaped::Set(_) => {
                                return err(hi_column, "a class like \\d cannot end a range")
                            }
                        }
                    }
                    Some(h) => {
                        self.pos += 1;
                        h
                    }
                    None => return err(column, "unbalanced '[': class is never closed"),
                };
                if hi < lo {
                    return err(
                        item_column,
                        format!("bad range '{lo}-{hi}': end is before start"),
                    );
                }
                ranges.push((lo, hi));
            } else {
                ranges.push((lo, lo));
            }
        }
        let set = CharSet::from_ranges(ranges);
        Ok(Ast::Class(if negated { set.complement() } else { set }))
    }
}

enum Escaped {
    Char(char),
    Set(CharSet),
}

const DIGIT: &[(char, char)] = &[('0', '9')];
const WORD: &[(char, char)] = &[('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];
const SPACE: &[(char, char)] = &[('\t', '\r'), (' ', ' ')];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complement_round_trips() {
        let set = CharSet::from_ranges(vec![('a', 'z'), ('0', '9'), ('b', 'c')]);
        assert_eq!(set.ranges, vec![('0', '9'), ('a', 'z')]);
        assert_eq!(set.complement().complement(), set);
        assert!(!set.complement().contains('q'));
        assert!(set.complement().contains('/'));
        assert!(set.complement().contains(char::MAX));
    }

    #[test]
    fn adjacent_ranges_merge() {
        let set = CharSet::from_ranges(vec![('a', 'c'), ('d', 'f')]);
        assert_eq!(set.ranges, vec![('a', 'f')]);
    }
}
