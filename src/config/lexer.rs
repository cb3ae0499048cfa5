//! The config lexer: bytes -> tokens, each with the line and column it starts at.
//!
//! The language is nginx's: words separated by whitespace, `{` `}` `;` as
//! punctuation, `#` starting a comment that runs to the end of the line, and
//! `"double quoted"` strings for text with spaces or punctuation in it
//! (`\"` and `\\` escape inside them). A `#` only starts a comment at the start
//! of a token, so `path /a#b;` is one word, as in nginx.
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

/// Splits `text` into tokens. `file` only labels errors.
pub fn tokenize(file: &str, text: &str) -> Result<Vec<Token>, ConfigError> {
    if text.len() > MAX_CONFIG_BYTES {
        return Err(ConfigError::new(
            file,
            Pos { line: 1, col: 1 },
            format!("config file is larger than {MAX_CONFIG_BYTES} bytes"),
        ));
    }
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut at = 0usize;
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
    while let Some(&c) = chars.get(at) {
        let pos = Pos { line, col };
        match c {
            c if c.is_whitespace() => {
                at += 1;
                step(c, &mut line, &mut col);
            }
            '#' => {
                while let Some(&c) = chars.get(at) {
                    if c == '\n' {
                        break;
                    }
                    at += 1;
                    step(c, &mut line, &mut col);
                }
            }
            '{' if placeholder_len(&chars, at).is_none() => {
                at += 1;
                step(c, &mut line, &mut col);
                tokens.push(Token {
                    kind: TokenKind::Open,
                    pos,
                });
            }
            '}' | ';' => {
                at += 1;
                step(c, &mut line, &mut col);
                let kind = if c == '}' {
                    TokenKind::Close
                } else {
                    TokenKind::Semi
                };
                tokens.push(Token { kind, pos });
            }
            '"' => {
                at += 1;
                step(c, &mut line, &mut col);
                let mut s = String::new();
                let mut closed = false;
                while let Some(&c) = chars.get(at) {
                    at += 1;
                    step(c, &mut line, &mut col);
                    match c {
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\\' => match chars.get(at).copied() {
                            Some(e @ ('"' | '\\')) => {
                                at += 1;
                                step(e, &mut line, &mut col);
                                s.push(e);
                            }
                            Some('n') => {
                                at += 1;
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
                while let Some(&c) = chars.get(at) {
                    let take = match c {
                        '{' => placeholder_len(&chars, at).unwrap_or(0),
                        c if c.is_whitespace() || matches!(c, '}' | ';' | '"') => 0,
                        _ => 1,
                    };
                    if take == 0 {
                        break;
                    }
                    for &c in chars.get(at..at + take).unwrap_or_default() {
                        s.push(c);
                        step(c, &mut line, &mut col);
                    }
                    at += take;
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

/// If a placeholder `{...}` (no whitespace, `;`, `"` or braces inside, not
/// empty) starts at `at`, its length in chars including both braces.
fn placeholder_len(chars: &[char], at: usize) -> Option<usize> {
    let mut i = at + 1;
    while let Some(&c) = chars.get(i) {
        match c {
            '}' if i > at + 1 => return Some(i - at + 1),
            c if c.is_whitespace() || matches!(c, '{' | '}' | ';' | '"') => return None,
            _ => i += 1,
        }
    }
    None
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
}
