//! The config lexer: bytes -> tokens, each with the line and column it starts at.
//!
//! The language is nginx's: words separated by whitespace, `{` `}` `;` as
//! punctuation, `#` starting a comment that runs to the end of the line, and
//! `"double quoted"` strings for text with spaces or punctuation in it
//! (`\"` and `\\` escape inside them). A `#` only starts a comment at the start
//! of a token, so `path /a#b;` is one word, as in nginx.

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

/// Splits `text` into tokens. `file` only labels errors.
pub fn tokenize(file: &str, text: &str) -> Result<Vec<Token>, ConfigError> {
    if text.len() > MAX_CONFIG_BYTES {
        return Err(ConfigError::new(
            file,
            Pos { line: 1, col: 1 },
            format!("config file is larger than {MAX_CONFIG_BYTES} bytes"),
        ));
    }
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    let (mut line, mut col) = (1usize, 1usize);
    // Advances over one character, keeping line/col right.
    let step = |c: char, line: &mut usize, col: &mut usize| {
        if c == '\n' {
            *line += 1;
            *col = 1;
        } else {
            *col += 1;
        }
    };
    while let Some(&c) = chars.peek() {
        let pos = Pos { line, col };
        match c {
            c if c.is_whitespace() => {
                chars.next();
                step(c, &mut line, &mut col);
            }
            '#' => {
                while let Some(&c) = chars.peek() {
                    if c == '\n' {
                        break;
                    }
                    chars.next();
                    step(c, &mut line, &mut col);
                }
            }
            '{' | '}' | ';' => {
                chars.next();
                step(c, &mut line, &mut col);
                let kind = match c {
                    '{' => TokenKind::Open,
                    '}' => TokenKind::Close,
                    _ => TokenKind::Semi,
                };
                tokens.push(Token { kind, pos });
            }
            '"' => {
                chars.next();
                step(c, &mut line, &mut col);
                let mut s = String::new();
                let mut closed = false;
                while let Some(c) = chars.next() {
                    step(c, &mut line, &mut col);
                    match c {
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\\' => match chars.next() {
                            Some(e @ ('"' | '\\')) => {
                                step(e, &mut line, &mut col);
                                s.push(e);
                            }
                            Some('n') => {
                                step('n', &mut line, &mut col);
                                s.push('\n');
                            }
                            Some(other) => {
                                return Err(ConfigError::new(
                                    file,
                                    Pos { line, col: col - 1 },
                                    format!("unknown escape \\{other} in a quoted string (use \\\" \\\\ or \\n)"),
                                ))
                            }
                            None => break,
                        },
                        c => s.push(c),
                    }
                }
                if !closed {
                    return Err(ConfigError::new(
                        file,
                        pos,
                        "quoted string is not closed: expected '\"'",
                    ));
                }
                tokens.push(Token {
                    kind: TokenKind::Quoted(s),
                    pos,
                });
            }
            _ => {
                let mut s = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || matches!(c, '{' | '}' | ';' | '"') {
                        break;
                    }
                    s.push(c);
                    chars.next();
                    step(c, &mut line, &mut col);
                }
                tokens.push(Token {
                    kind: TokenKind::Word(s),
                    pos,
                });
            }
        }
    }
    Ok(tokens)
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
    fn unclosed_quote_is_an_error_at_its_start() {
        let err = tokenize("f.conf", "a \"oops").unwrap_err();
        assert_eq!(
            err.to_string(),
            "f.conf:1:3: quoted string is not closed: expected '\"'"
        );
    }
}
