//! Syntax tree -> Thompson NFA program.
//!
//! Ken Thompson's 1968 construction turns each piece of a regex into a small
//! fragment of a nondeterministic automaton, written here as a program for a
//! tiny machine (Russ Cox, "Regular Expression Matching: the Virtual Machine
//! Approach"). The instructions:
//!
//! ```text
//! Char c / Any / Class   consume one character if it fits, else the thread dies
//! Split x, y             fork: continue at x AND at y; x has priority
//! Jmp x                  continue at x
//! Save n                 record the current position in capture slot n
//! AssertStart/AssertEnd  continue only at the start / end of the text
//! Match                  the whole pattern matched
//! ```
//!
//! Fragments (`L:` are addresses):
//!
//! ```text
//! e1e2     code(e1) code(e2)
//! e1|e2    Split L1, L2;  L1: code(e1); Jmp L3;  L2: code(e2);  L3:
//! e*       L1: Split L2, L3;  L2: code(e); Jmp L1;  L3:       (lazy: Split L3, L2)
//! e+       L1: code(e); Split L1, L3;  L3:
//! e?       Split L1, L2;  L1: code(e);  L2:
//! e{n,m}   n copies of e, then m-n nested optional copies (all exits go to the end)
//! (e)      Save 2k; code(e); Save 2k+1
//! ```
//!
//! Counted repeats are expanded, so the program can grow fast (`(a{1000}){1000}`);
//! every emitted instruction is counted against [`MAX_PROGRAM_LEN`] and the
//! compile stops with an error pointing at the repeat that overflowed.

use super::parse::{Ast, CharSet};

/// Most instructions a compiled program may have.
pub const MAX_PROGRAM_LEN: usize = 20_000;

/// One instruction of the NFA program.
#[derive(Clone, Debug)]
pub enum Inst {
    /// Consume exactly this character.
    Char(char),
    /// Consume any character except `\n`.
    Any,
    /// Consume a character in the set.
    Class(CharSet),
    /// Fork; the first target has priority.
    Split(usize, usize),
    /// Go to.
    Jmp(usize),
    /// Record the position into a capture slot.
    Save(usize),
    /// Only at position 0.
    AssertStart,
    /// Only at the end of the text.
    AssertEnd,
    /// Success.
    Match,
}

/// The program is too large; `column` is the outermost repeat that overflowed it (or 1).
#[derive(Debug)]
pub struct TooLarge {
    /// 1-based column in the pattern.
    pub column: usize,
}

/// Compile a tree into a program: `Save 0; code; Save 1; Match`.
pub fn compile(ast: &Ast) -> Result<Vec<Inst>, TooLarge> {
    let mut c = Compiler { prog: Vec::new() };
    c.emit(Inst::Save(0))?;
    c.node(ast)?;
    c.emit(Inst::Save(1))?;
    c.emit(Inst::Match)?;
    Ok(c.prog)
}

struct Compiler {
    prog: Vec<Inst>,
}

/// Placeholder target, patched once the real address is known.
const HOLE: usize = usize::MAX;

impl Compiler {
    fn emit(&mut self, inst: Inst) -> Result<usize, TooLarge> {
        if self.prog.len() >= MAX_PROGRAM_LEN {
            // Column 1 unless an enclosing repeat takes the blame.
            return Err(TooLarge { column: 1 });
        }
        self.prog.push(inst);
        Ok(self.prog.len() - 1)
    }

    fn pc(&self) -> usize {
        self.prog.len()
    }

    /// Point the hole(s) of the Split/Jmp at `at` to `target`.
    fn patch(&mut self, at: usize, target: usize) {
        if let Some(inst) = self.prog.get_mut(at) {
            match inst {
                Inst::Jmp(x) if *x == HOLE => *x = target,
                Inst::Split(x, y) => {
                    if *x == HOLE {
                        *x = target;
                    } else if *y == HOLE {
                        *y = target;
                    }
                }
                _ => {}
            }
        }
    }

    fn node(&mut self, ast: &Ast) -> Result<(), TooLarge> {
        match ast {
            Ast::Empty => {}
            Ast::Literal(c) => {
                self.emit(Inst::Char(*c))?;
            }
            Ast::Any => {
                self.emit(Inst::Any)?;
            }
            Ast::Class(set) => {
                self.emit(Inst::Class(set.clone()))?;
            }
            Ast::Start => {
                self.emit(Inst::AssertStart)?;
            }
            Ast::End => {
                self.emit(Inst::AssertEnd)?;
            }
            Ast::Group(index, inner) => match index {
                Some(k) => {
                    self.emit(Inst::Save(2 * k))?;
                    self.node(inner)?;
                    self.emit(Inst::Save(2 * k + 1))?;
                }
                None => self.node(inner)?,
            },
            Ast::Concat(items) => {
                for item in items {
                    self.node(item)?;
                }
            }
            Ast::Alternate(branches) => {
                let mut jumps = Vec::new();
                let last = branches.len().saturating_sub(1);
                for (i, branch) in branches.iter().enumerate() {
                    if i < last {
                        let split = self.emit(Inst::Split(HOLE, HOLE))?;
                        self.patch(split, split + 1);
                        self.node(branch)?;
                        jumps.push(self.emit(Inst::Jmp(HOLE))?);
                        let next = self.pc();
                        self.patch(split, next);
                    } else {
                        self.node(branch)?;
                    }
                }
                let end = self.pc();
                for j in jumps {
                    self.patch(j, end);
                }
            }
            Ast::Repeat {
                ast,
                min,
                max,
                greedy,
                column,
            } => {
                // The outermost repeat takes the blame: it is the one that multiplies.
                self.repeat(ast, *min, *max, *greedy)
                    .map_err(|_| TooLarge { column: *column })?;
            }
        }
        Ok(())
    }

    /// A Split whose preferred branch is `pc + 1` (greedy) or the hole (lazy).
    fn split_into_body(&mut self, greedy: bool) -> Result<usize, TooLarge> {
        let at = self.pc();
        if greedy {
            self.emit(Inst::Split(at + 1, HOLE))
        } else {
            self.emit(Inst::Split(HOLE, at + 1))
        }
    }

    fn repeat(
        &mut self,
        ast: &Ast,
        min: u32,
        max: Option<u32>,
        greedy: bool,
    ) -> Result<(), TooLarge> {
        match max {
            None => {
                if min == 0 {
                    // e*
                    let top = self.split_into_body(greedy)?;
                    self.node(ast)?;
                    self.emit(Inst::Jmp(top))?;
                    let end = self.pc();
                    self.patch(top, end);
                } else {
                    // e{n,} = e{n-1} e+
                    for _ in 1..min {
                        self.node(ast)?;
                    }
                    let top = self.pc();
                    self.node(ast)?;
                    let at = self.pc();
                    if greedy {
                        self.emit(Inst::Split(top, at + 1))?;
                    } else {
                        self.emit(Inst::Split(at + 1, top))?;
                    }
                }
            }
            Some(max) => {
                for _ in 0..min {
                    self.node(ast)?;
                }
                // (e(e(e)?)?)? : every split skips to the common end.
                let mut splits = Vec::new();
                for _ in min..max {
                    splits.push(self.split_into_body(greedy)?);
                    self.node(ast)?;
                }
                let end = self.pc();
                for s in splits {
                    self.patch(s, end);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::router::regex::parse::parse;

    #[test]
    fn program_shape_for_star() {
        let parsed = parse("a*").unwrap();
        let prog = compile(&parsed.ast).unwrap();
        let shown: Vec<String> = prog.iter().map(|i| format!("{i:?}")).collect();
        assert_eq!(
            shown,
            [
                "Save(0)",
                "Split(2, 4)",
                "Char('a')",
                "Jmp(1)",
                "Save(1)",
                "Match"
            ]
        );
    }

    #[test]
    fn huge_repeat_is_refused_with_its_column() {
        let parsed = parse("x(a{1000}){1000}").unwrap();
        let e = compile(&parsed.ast).unwrap_err();
        // The inner repeat fits; the outer one (column 11) overflows.
        assert_eq!(e.column, 11);
    }
}
