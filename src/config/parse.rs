//! The config parser: tokens -> a tree of directives (the AST).
//!
//! The grammar is tiny:
//!
//! ```text
//! config    = *directive
//! directive = name *arg ( ";" / "{" *directive "}" )
//! name, arg = word / quoted
//! ```
//!
//! The parser knows nothing of what directives mean; [`super::build`] does.
//! Every node keeps its position so that later errors can say `file:line:col`.

use super::lexer::{Token, TokenKind};
use super::{ConfigError, Pos};

/// Deepest block nesting we accept (`route { }` inside nothing is depth 1).
pub const MAX_NESTING: usize = 8;

/// One argument of a directive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    /// The text (quotes removed).
    pub text: String,
    /// Whether it starts with a quote (a quoted `~` is text, not the regex
    /// marker; the text itself starts one column after `pos`).
    pub quoted: bool,
    /// Where it starts.
    pub pos: Pos,
}

/// `name arg arg ... ;` or `name arg ... { directives }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// The directive's name.
    pub name: String,
    /// Where the name starts.
    pub pos: Pos,
    /// Its arguments.
    pub args: Vec<Arg>,
    /// The block, for directives written with `{ }`.
    pub block: Option<Vec<Directive>>,
}

/// Parses a whole file's tokens.
pub fn parse(file: &str, tokens: &[Token]) -> Result<Vec<Directive>, ConfigError> {
    let mut at = 0;
    let out = parse_block(file, tokens, &mut at, 0)?;
    match tokens.get(at) {
        None => Ok(out),
        Some(t) => Err(ConfigError::new(
            file,
            t.pos,
            "unexpected '}': no block is open",
        )),
    }
}

fn parse_block(
    file: &str,
    tokens: &[Token],
    at: &mut usize,
    depth: usize,
) -> Result<Vec<Directive>, ConfigError> {
    let mut out = Vec::new();
    while let Some(tok) = tokens.get(*at) {
        let name = match &tok.kind {
            TokenKind::Word(w) => w.clone(),
            TokenKind::Close if depth > 0 => return Ok(out),
            TokenKind::Close => return Ok(out),
            TokenKind::Quoted(_) => {
                return Err(ConfigError::new(
                    file,
                    tok.pos,
                    "expected a directive name, found a quoted string",
                ))
            }
            TokenKind::Open | TokenKind::Semi => {
                return Err(ConfigError::new(file, tok.pos, "expected a directive name"))
            }
        };
        let pos = tok.pos;
        *at += 1;
        let mut args = Vec::new();
        loop {
            let Some(tok) = tokens.get(*at) else {
                let last = tokens.last().map(|t| t.pos).unwrap_or(pos);
                return Err(ConfigError::new(
                    file,
                    last,
                    format!("directive '{name}' is not finished: expected ';' or '{{'"),
                ));
            };
            *at += 1;
            match &tok.kind {
                TokenKind::Word(w) => args.push(Arg {
                    text: w.clone(),
                    quoted: false,
                    pos: tok.pos,
                }),
                TokenKind::Quoted(q) => args.push(Arg {
                    text: q.clone(),
                    quoted: true,
                    pos: tok.pos,
                }),
                TokenKind::Semi => {
                    out.push(Directive {
                        name,
                        pos,
                        args,
                        block: None,
                    });
                    break;
                }
                TokenKind::Open => {
                    if depth + 1 > MAX_NESTING {
                        return Err(ConfigError::new(
                            file,
                            tok.pos,
                            "blocks are nested too deeply",
                        ));
                    }
                    let open_pos = tok.pos;
                    let block = parse_block(file, tokens, at, depth + 1)?;
                    match tokens.get(*at) {
                        Some(Token {
                            kind: TokenKind::Close,
                            ..
                        }) => *at += 1,
                        _ => {
                            return Err(ConfigError::new(
                                file,
                                open_pos,
                                format!("block of '{name}' is not closed: expected '}}'"),
                            ))
                        }
                    }
                    out.push(Directive {
                        name,
                        pos,
                        args,
                        block: Some(block),
                    });
                    break;
                }
                TokenKind::Close => {
                    return Err(ConfigError::new(
                        file,
                        tok.pos,
                        format!("expected ';' after directive '{name}'"),
                    ))
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::lexer::tokenize;
    use super::*;

    fn parse_text(text: &str) -> Result<Vec<Directive>, ConfigError> {
        parse("g.conf", &tokenize("g.conf", text)?)
    }

    #[test]
    fn nested_blocks() {
        let ds = parse_text("workers 4;\nupstream u { server 127.0.0.1:1 weight=2; }").unwrap();
        assert_eq!(ds.len(), 2);
        assert_eq!(ds[1].name, "upstream");
        let inner = ds[1].block.as_ref().unwrap();
        assert_eq!(inner[0].args[1].text, "weight=2");
        assert_eq!(inner[0].pos, Pos { line: 2, col: 14 });
    }

    #[test]
    fn errors_name_the_place() {
        let cases = [
            (
                "workers 4",
                "g.conf:1:9: directive 'workers' is not finished: expected ';' or '{'",
            ),
            (
                "route a { path /x;",
                "g.conf:1:9: block of 'route' is not closed: expected '}'",
            ),
            ("}", "g.conf:1:1: unexpected '}': no block is open"),
            ("a { b }", "g.conf:1:7: expected ';' after directive 'b'"),
            (";", "g.conf:1:1: expected a directive name"),
        ];
        for (text, want) in cases {
            assert_eq!(parse_text(text).unwrap_err().to_string(), want, "{text}");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "a {".repeat(20) + &"}".repeat(20);
        assert!(parse_text(&deep)
            .unwrap_err()
            .to_string()
            .contains("nested too deeply"));
    }
}
