//! The config lexer: bytes -> tokens, each with the line and column it starts at.
//!
//! The language is nginx's: words separated by whitespace, `{` `}` `;` as
//! punctuation, `#` starting a comment that runs to the end of the line, and
//! `"double quoted"` strings for text with spaces or punctuation in it
//! (`\"` `\\` `\n` `\r` `\t` escape inside them). A `#` only starts a
//! comment at the start of a token (or right after a closing quote), so
//! `path /a#b;` is one word, as in nginx. Quoted and bare pieces with no space
//! between them make one word, as in a shell: `realm="Ops team"`.
//!
//! Positions are 1-based lines and columns counted in characters: a tab is
//! one column, `é` is one column, and CRLF line endings count as one line end.
//!
//! Braces do double duty: `{` opens a block, but `{name}` with no space
//! inside is a *placeholder* that belongs to the word around it, so
//! `path /users/{id};`, `rewrite /v2/{id};`, `set X-User {param:id};` and
//! `path ~ ^/a{2,3}$;` need no quotes.

use super::{ConfigError, Pos};

/// What a token is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A bare word: `listen`, `127.0.0.1:8080`, `rate=10/s`.
    Word(String),
    /// A double-quoted string, unescaped.
    Quoted(String),
    /// `{`
    Open,
    /// `}`
    Close,
    /// `;`
    Semi,
}

/// A token and where it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Where its first character is.
    pub pos: Pos,
}

/// The longest config file we read; a bigger one is a mistake, not a config.
pub const MAX_CONFIG_BYTES: usize = 4 * 1024 * 1024;

/// The longest single word or quoted string, in characters. Bounds what an
/// error message can echo back (a binary file is one endless "word").
pub const MAX_TOKEN_CHARS: usize = 64 * 1024;

/// The error for a file over [`MAX_CONFIG_BYTES`].
pub fn too_large_message() -> String {
    format!("config file is larger than {MAX_CONFIG_BYTES} bytes: expected a config, not data")
}

/// Splits `text` into tokens. `file` only labels errors.
///
/// A leading byte-order mark (which some Windows editors write) is skipped.
/// Control characters other than whitespace are refused wherever they are,
/// comments included: they mean a binary file or a paste gone wrong.
pub fn tokenize(file: &str, text: &str) -> Result<Vec<Token>, ConfigError> {
    if text.len() > MAX_CONFIG_BYTES {
        return Err(ConfigError::new(
            file,
            Pos { line: 1, col: 1 },
            too_large_message(),
        ));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut cur = Cursor {
        file,
        chars: text.chars().collect(),
        at: 0,
        pos: Pos { line: 1, col: 1 },
    };
    let mut tokens = Vec::new();
    while let Some(c) = cur.peek() {
        let pos = cur.pos;
        cur.refuse_control(c)?;
        let kind = match c {
            c if c.is_whitespace() => {
                cur.bump();
                continue;
            }
            '#' => {
                cur.skip_comment()?;
                continue;
            }
            '{' if cur.placeholder_len().is_none() => TokenKind::Open,
            '}' => TokenKind::Close,
            ';' => TokenKind::Semi,
            _ => {
                tokens.push(Token {
                    kind: cur.word()?,
                    pos,
                });
                continue;
            }
        };
        cur.bump();
        tokens.push(Token { kind, pos });
    }
    Ok(tokens)
}

/// The text being read and where we are in it.
struct Cursor<'a> {
    file: &'a str,
    chars: Vec<char>,
    at: usize,
    /// The position of `chars[at]`.
    pos: Pos,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    /// Steps over one character, keeping line and column right.
    fn bump(&mut self) {
        let Some(c) = self.peek() else { return };
        self.at += 1;
        if c == '\n' {
            self.pos.line += 1;
            self.pos.col = 1;
        } else {
            self.pos.col += 1;
        }
    }

    fn err(&self, pos: Pos, message: impl Into<String>) -> ConfigError {
        ConfigError::new(self.file, pos, message)
    }

    fn refuse_control(&self, c: char) -> Result<(), ConfigError> {
        if c.is_control() && !c.is_whitespace() {
            return Err(self.err(
                self.pos,
                format!(
                    "unexpected control character U+{:04X}: expected text (is this a binary file?)",
                    u32::from(c)
                ),
            ));
        }
        Ok(())
    }

    fn skip_comment(&mut self) -> Result<(), ConfigError> {
        while let Some(c) = self.peek() {
            if c == '\n' {
                break;
            }
            self.refuse_control(c)?;
            self.bump();
        }
        Ok(())
    }

    /// A word: bare pieces and quoted pieces with nothing between them, as
    /// in a shell, so `realm="Ops team"` is the one argument `realm=Ops team`.
    /// It is [`TokenKind::Quoted`] when it starts with a quote. Inside bare
    /// text `#` is an ordinary character (`/a#b`, as in nginx), but right
    /// after a closing quote it starts a comment (`"x"# note`).
    fn word(&mut self) -> Result<TokenKind, ConfigError> {
        let start = self.pos;
        let starts_quoted = self.peek() == Some('"');
        let mut text = String::new();
        let mut after_quote = false;
        while let Some(c) = self.peek() {
            self.refuse_control(c)?;
            match c {
                '"' => {
                    self.quoted_piece(&mut text)?;
                    after_quote = true;
                    continue;
                }
                '#' if after_quote => break,
                '{' => {
                    let Some(len) = self.placeholder_len() else {
                        break;
                    };
                    for _ in 0..len {
                        text.extend(self.peek());
                        self.bump();
                    }
                }
                c if c.is_whitespace() || matches!(c, '}' | ';') => break,
                c => {
                    text.push(c);
                    self.bump();
                }
            }
            after_quote = false;
            self.check_length(&text, start)?;
        }
        Ok(if starts_quoted {
            TokenKind::Quoted(text)
        } else {
            TokenKind::Word(text)
        })
    }

    fn check_length(&self, text: &str, start: Pos) -> Result<(), ConfigError> {
        // Bytes >= chars, so the cheap byte length can rule out most checks.
        if text.len() > MAX_TOKEN_CHARS && text.chars().count() > MAX_TOKEN_CHARS {
            return Err(self.err(
                start,
                format!("word or string longer than {MAX_TOKEN_CHARS} characters"),
            ));
        }
        Ok(())
    }

    /// `"..."` at the cursor, unescaped onto `out`. Escapes: `\"` `\\` `\n`
    /// `\r` `\t`; any other is an error at its backslash.
    fn quoted_piece(&mut self, out: &mut String) -> Result<(), ConfigError> {
        let open = self.pos;
        self.bump();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.err(open, "quoted string is not closed: expected '\"'"));
            };
            self.refuse_control(c)?;
            let backslash = self.pos;
            self.bump();
            match c {
                '"' => return Ok(()),
                '\\' => {
                    let unescaped = match self.peek() {
                        Some(e @ ('"' | '\\')) => e,
                        Some('n') => '\n',
                        Some('r') => '\r',
                        Some('t') => '\t',
                        Some(other) => {
                            return Err(self.err(
                                backslash,
                                format!(
                                    "unknown escape \\{other} in a quoted string: expected \\\" \\\\ \\n \\r or \\t"
                                ),
                            ))
                        }
                        None => continue,
                    };
                    out.push(unescaped);
                    self.bump();
                }
                c => out.push(c),
            }
        }
    }

    /// If a placeholder `{...}` (no whitespace, `;`, `"` or braces inside, not
    /// empty) starts at the cursor, its length in chars including both braces.
    fn placeholder_len(&self) -> Option<usize> {
        let at = self.at;
        let mut i = at + 1;
        while let Some(&c) = self.chars.get(i) {
            match c {
                '}' if i > at + 1 => return Some(i - at + 1),
                c if c.is_whitespace() || matches!(c, '{' | '}' | ';' | '"') => return None,
                _ => i += 1,
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<TokenKind> {
        tokenize("t", text)
            .unwrap()
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    #[test]
    fn words_punctuation_and_comments() {
        use TokenKind::*;
        assert_eq!(
            kinds("listen 1.2.3.4:80; # hi\nroute a { path /x#y; }"),
            vec![
                Word("listen".into()),
                Word("1.2.3.4:80".into()),
                Semi,
                Word("route".into()),
                Word("a".into()),
                Open,
                Word("path".into()),
                Word("/x#y".into()),
                Semi,
                Close
            ]
        );
    }

    #[test]
    fn quoted_strings_unescape_and_keep_positions() {
        let toks = tokenize("t", "respond 200 \"a \\\"b\\\" ;{}\";\n  x;").unwrap();
        assert_eq!(toks[2].kind, TokenKind::Quoted("a \"b\" ;{}".into()));
        assert_eq!(toks[4].pos, Pos { line: 2, col: 3 });
    }

    #[test]
    fn placeholders_belong_to_words_and_blocks_still_open() {
        use TokenKind::*;
        assert_eq!(
            kinds("route r {path /users/{id}; set X {param:id}; path ~ ^/a{2,3}$;}"),
            vec![
                Word("route".into()),
                Word("r".into()),
                Open,
                Word("path".into()),
                Word("/users/{id}".into()),
                Semi,
                Word("set".into()),
                Word("X".into()),
                Word("{param:id}".into()),
                Semi,
                Word("path".into()),
                Word("~".into()),
                Word("^/a{2,3}$".into()),
                Semi,
                Close
            ]
        );
        assert_eq!(kinds("a {}"), vec![Word("a".into()), Open, Close]);
    }

    #[test]
    fn unclosed_quote_is_an_error_at_its_start() {
        let err = tokenize("f.conf", "a \"oops").unwrap_err();
        assert_eq!(
            err.to_string(),
            "f.conf:1:3: quoted string is not closed: expected '\"'"
        );
    }

    #[test]
    fn quoted_pieces_glue_to_the_word_around_them() {
        use TokenKind::*;
        assert_eq!(
            kinds("auth basic realm=\"Ops team\" x\"y\"z;"),
            vec![
                Word("auth".into()),
                Word("basic".into()),
                Word("realm=Ops team".into()),
                Word("xyz".into()),
                Semi
            ]
        );
        assert_eq!(kinds("\"a\"b"), vec![Quoted("ab".into())]);
    }

    #[test]
    fn hash_inside_or_after_quotes() {
        use TokenKind::*;
        assert_eq!(
            kinds("respond 200 \"a#b\"; # c\nx \"y\"# z\n;"),
            vec![
                Word("respond".into()),
                Word("200".into()),
                Quoted("a#b".into()),
                Semi,
                Word("x".into()),
                Quoted("y".into()),
                Semi
            ]
        );
    }

    #[test]
    fn escapes() {
        assert_eq!(
            kinds(r#""t\tr\rn\n\"\\""#),
            vec![TokenKind::Quoted("t\tr\rn\n\"\\".into())]
        );
        let err = tokenize("f", "x \"ab\\qc\";").unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"f:1:6: unknown escape \q in a quoted string: expected \" \\ \n \r or \t"#
        );
        // A backslash as the very last character leaves the string open.
        let err = tokenize("f", "x \"ab\\").unwrap_err();
        assert!(err
            .to_string()
            .starts_with("f:1:3: quoted string is not closed"));
    }

    #[test]
    fn columns_count_characters_tabs_and_crlf() {
        let toks = tokenize("t", "a;\r\n\tb;\r\n\u{e9}\u{e9} c;").unwrap();
        let at: Vec<(usize, usize)> = toks.iter().map(|t| (t.pos.line, t.pos.col)).collect();
        assert_eq!(
            at,
            vec![(1, 1), (1, 2), (2, 2), (2, 3), (3, 1), (3, 4), (3, 5)]
        );
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let toks = tokenize("t", "\u{feff}listen x;").unwrap();
        assert_eq!(toks[0].kind, TokenKind::Word("listen".into()));
        assert_eq!(toks[0].pos, Pos { line: 1, col: 1 });
    }

    #[test]
    fn control_characters_are_refused_where_they_are() {
        for (text, col) in [
            ("ab\0c", 3),
            ("# x\u{1}", 4),
            ("\"a\u{7f}\"", 3),
            ("\u{1b}", 1),
        ] {
            let err = tokenize("f", text).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("f:1:{col}: unexpected control character U+")),
                "{text:?}: {err}"
            );
        }
    }

    #[test]
    fn words_are_bounded() {
        let long = "a".repeat(MAX_TOKEN_CHARS + 1);
        let err = tokenize("f", &format!("x {long};"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("f:1:3: word or string longer than"),
            "{}",
            &err[..60]
        );
        assert!(err.len() < 200);
        assert!(tokenize("f", &"a".repeat(MAX_TOKEN_CHARS)).is_ok());
    }
}
