//! A linear-time regular expression engine (no backtracking).
//!
//! Route patterns such as `path ~ ^/v[0-9]+/users/(\d+)$;` come from the config,
//! and the text they run on comes from any client on the internet. A
//! backtracking engine (PCRE, `java.util.regex`, …) can take exponential time
//! on a pattern like `^(a+)+$` and an input of `aaaa…ab` — one request would
//! pin a worker for years ("ReDoS"). This engine cannot: it follows Ken
//! Thompson's and Rob Pike's design as explained in Russ Cox's articles
//! ("Regular Expression Matching Can Be Simple And Fast", "… the Virtual
//! Machine Approach"), and its cost is O(text × program) for every pattern.
//!
//! The pipeline is three small steps:
//!
//! 1. [`parse`] turns the pattern into a syntax tree (errors carry a column);
//! 2. [`compile`] turns the tree into a Thompson NFA *program* (Split/Jmp/Char/
//!    Save/Match instructions), bounded by [`MAX_PROGRAM_LEN`];
//! 3. [`pike`] runs that program over the text, all NFA paths in lock step,
//!    with capture slots per thread ([`Regex::captures`]); when only "does it
//!    match?" is asked of a long text ([`Regex::is_match`], what routing asks
//!    of every regex route it tries), [`dfa`] runs the same program as a
//!    lazily built DFA with a bounded cache: one table lookup per character
//!    once warm.
//!
//! Supported syntax: literals, escapes of punctuation (`\.` `\/` …), `\n \t \r`,
//! `.` (any character but `\n`), classes `[a-z0-9_]` and `[^…]`, `\d \w \s \D \W
//! \S` (also inside classes), `* + ? {n} {n,} {n,m}` greedy or lazy (`*?`…),
//! capturing `( )` and non-capturing `(?: )` groups, `|`, and the anchors `^ $`
//! (start and end of the whole text). Matching is over Unicode scalar values;
//! capture positions are byte offsets into the text.
//!
//! Semantics are Perl's leftmost-first: of all matches, the one starting
//! leftmost wins, and among those, the one a backtracker would find first. A
//! search is unanchored unless the pattern uses `^`/`$`. Loops that can
//! match the empty string (`(a*)*`, `(?:b*?)+`) are cut the way RE2 cuts them,
//! which may differ from Perl: a path that comes back to an instruction it
//! already reached at the same text position is dropped. So `(?:b*?)+` on `b`
//! matches the empty string at 0. `benches/tests/regex_props.rs` checks this
//! against a backtracker that follows the same rule.
//!
//! No I/O and no panics on any pattern or text: every limit is a named const.

pub mod compile;
pub mod dfa;
pub mod parse;
pub mod pike;

use std::fmt;

pub use compile::MAX_PROGRAM_LEN;
pub use parse::{MAX_NESTING, MAX_REPEAT};

/// Longest pattern accepted, in characters.
pub const MAX_PATTERN_LEN: usize = 1024;

/// Most `program length × capture slots` a pattern may need. The Pike VM
/// keeps one set of capture slots per program instruction in each of its two
/// thread lists, so this bounds what [`Regex::captures`] allocates per call
/// (65 536 slots of 16 bytes: 1 MiB per list) and the work per character.
pub const MAX_CAPTURE_TABLE: usize = 1 << 16;

/// Text length, in bytes, from which [`Regex::is_match`] uses the lazy DFA:
/// below it, building DFA states costs more than the Pike VM's steps
/// (measured: a 15-byte path with a route-shaped pattern takes about 0.8 µs
/// in the VM and 3 µs in a cold DFA; 30 000 bytes of `^(a+)+$` take 2 ms in
/// the VM and 0.1 ms in the DFA).
pub const DFA_MIN_TEXT: usize = 128;

/// A compiled regular expression. Cheap to share: match state lives per call.
#[derive(Clone)]
pub struct Regex {
    pattern: String,
    prog: Vec<compile::Inst>,
    groups: usize,
    anchored: bool,
    literal_prefix: Option<LiteralPrefix>,
}

impl fmt::Debug for Regex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Regex").field(&self.pattern).finish()
    }
}

/// Why a pattern was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegexError {
    /// 1-based character column of the fault in the pattern.
    pub column: usize,
    /// What is wrong, for a human.
    pub message: String,
}

impl fmt::Display for RegexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for RegexError {}

impl Regex {
    /// Parse and compile `pattern`.
    pub fn new(pattern: &str) -> Result<Regex, RegexError> {
        let chars = pattern.chars().count();
        if chars > MAX_PATTERN_LEN {
            return Err(RegexError {
                column: MAX_PATTERN_LEN + 1,
                message: format!(
                    "pattern is {chars} characters long; the maximum is {MAX_PATTERN_LEN}"
                ),
            });
        }
        let parsed = parse::parse(pattern).map_err(|e| RegexError {
            column: e.column,
            message: e.message,
        })?;
        let prog = compile::compile(&parsed.ast).map_err(|e| RegexError {
            column: e.column,
            message: format!("pattern compiles to more than {MAX_PROGRAM_LEN} instructions"),
        })?;
        let slots = 2 * (parsed.groups + 1);
        if prog.len().saturating_mul(slots) > MAX_CAPTURE_TABLE {
            return Err(RegexError {
                column: 1,
                message: format!(
                    "{} capture groups over a program of {} instructions need more than \
                     {MAX_CAPTURE_TABLE} capture slots; use fewer groups (or `(?:...)`)",
                    parsed.groups,
                    prog.len()
                ),
            });
        }
        Ok(Regex {
            pattern: pattern.to_string(),
            prog,
            groups: parsed.groups,
            anchored: starts_anchored(&parsed.ast),
            literal_prefix: literal_prefix(&parsed.ast),
        })
    }

    /// Whether the pattern matches anywhere in `text`. Short texts (most
    /// paths) go through the Pike VM, which needs no setup; from
    /// [`DFA_MIN_TEXT`] bytes on, the lazy DFA, whose cost per character is
    /// a table lookup once warm.
    pub fn is_match(&self, text: &str) -> bool {
        if text.len() >= DFA_MIN_TEXT {
            self.is_match_dfa(text)
        } else {
            // Only group 0 is needed; the VM cost is the same, slots are tiny.
            pike::run(&self.prog, 2, self.anchored, text).is_some()
        }
    }

    /// [`Regex::is_match`] by the lazy DFA whatever the text's length (the
    /// property tests compare it with a backtracker on short texts).
    pub fn is_match_dfa(&self, text: &str) -> bool {
        dfa::is_match(&self.prog, self.anchored, text)
    }

    /// The leftmost-first match: `(start, end)` byte spans per group, group 0
    /// being the whole match; `None` for a group that did not take part.
    pub fn captures(&self, text: &str) -> Option<Vec<Option<(usize, usize)>>> {
        let slots = pike::run(&self.prog, self.slots(), self.anchored, text)?;
        Some(
            slots
                .chunks(2)
                .map(|pair| match pair {
                    [Some(s), Some(e)] => Some((*s, *e)),
                    _ => None,
                })
                .collect(),
        )
    }

    /// Number of groups including group 0.
    pub fn captures_len(&self) -> usize {
        self.groups + 1
    }

    /// The literal every match starts with, if the pattern begins with `^`.
    pub fn literal_prefix(&self) -> Option<&LiteralPrefix> {
        self.literal_prefix.as_ref()
    }

    /// The pattern text as given.
    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    fn slots(&self) -> usize {
        2 * (self.groups + 1)
    }
}

/// What an anchored pattern says about the start of every text it matches:
/// `^/api/v[0-9]+` gives `("/api/v", false)`. `complete` is true when the
/// pattern is nothing but `^` and that literal (`^/api/`), so it matches
/// *every* text that starts with it. Only literal characters right after a
/// leading `^` count (a repeat or class ends the literal). Used by the route
/// table to find routes that an earlier one hides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiteralPrefix {
    /// Every matching text starts with this.
    pub text: String,
    /// Every text that starts with `text` matches.
    pub complete: bool,
}

/// The literal prefix of a pattern that begins with `^` (see [`LiteralPrefix`]).
fn literal_prefix(ast: &parse::Ast) -> Option<LiteralPrefix> {
    use parse::Ast;
    let items: &[Ast] = match ast {
        Ast::Concat(items) => items,
        Ast::Start => std::slice::from_ref(ast),
        _ => return None,
    };
    let (Ast::Start, rest) = items.split_first()? else {
        return None;
    };
    let mut text = String::new();
    for item in rest {
        match item {
            Ast::Literal(c) => text.push(*c),
            _ => {
                return Some(LiteralPrefix {
                    text,
                    complete: false,
                })
            }
        }
    }
    Some(LiteralPrefix {
        text,
        complete: true,
    })
}

/// Whether every match must start at position 0 (the pattern begins with `^`,
/// possibly inside leading groups). Only an optimisation: a wrong `false` is safe.
fn starts_anchored(ast: &parse::Ast) -> bool {
    use parse::Ast;
    match ast {
        Ast::Start => true,
        Ast::Concat(items) => items.first().is_some_and(starts_anchored),
        Ast::Group(_, inner) => starts_anchored(inner),
        Ast::Alternate(branches) => branches.iter().all(starts_anchored),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
