//! The Pike VM: run a Thompson program over the text in one pass.
//!
//! A backtracking matcher tries one path through the NFA at a time and, when
//! it fails, goes back and tries the next; on `^(a+)+$` against `aaaa…ab` the
//! number of paths is exponential. Rob Pike's VM instead runs *all* paths in
//! lock step: it keeps a list of threads (a program counter plus capture
//! slots), and for each character of the text steps every thread once,
//! producing the list for the next position. Two threads at the same pc and
//! position have the same future, so the list keeps only the first one to
//! arrive (the list is a sparse set indexed by pc). A list therefore never
//! holds more than `program length` threads, and the whole run costs
//! O(text length × program length): linear in the text, whatever the pattern.
//!
//! Priorities give Perl's leftmost-first answer: threads are kept in the order
//! a backtracker would try them (the first branch of a Split before the
//! second), and when a thread reaches `Match`, all threads behind it in the
//! list are cut, while those ahead keep running and may still produce a
//! preferred (e.g. longer greedy) match. A new thread starting at the current
//! position is added behind all older ones, so earlier starts win; once a
//! match is found, no new starts are added.
//!
//! Following Russ Cox's write-up, following epsilon transitions (Split, Jmp,
//! Save, assertions) uses an explicit stack instead of recursion, so a long
//! program cannot overflow the call stack.

use super::compile::Inst;

/// A set of threads: a sparse set of pcs, in priority order, each with its slots.
struct Threads {
    dense: Vec<usize>,
    sparse: Vec<usize>,
    /// `slots` capture slots for each pc, laid out pc-major.
    caps: Vec<Option<usize>>,
    slots: usize,
}

impl Threads {
    fn new(len: usize, slots: usize) -> Threads {
        Threads {
            dense: Vec::with_capacity(len),
            sparse: vec![0; len],
            caps: vec![None; len * slots],
            slots,
        }
    }

    fn contains(&self, pc: usize) -> bool {
        self.sparse
            .get(pc)
            .and_then(|&i| self.dense.get(i))
            .is_some_and(|&p| p == pc)
    }

    fn insert(&mut self, pc: usize) {
        if let Some(s) = self.sparse.get_mut(pc) {
            *s = self.dense.len();
            self.dense.push(pc);
        }
    }

    fn clear(&mut self) {
        self.dense.clear();
    }

    fn slots_of(&self, pc: usize) -> &[Option<usize>] {
        self.caps
            .get(pc * self.slots..(pc + 1) * self.slots)
            .unwrap_or(&[])
    }

    fn set_slots(&mut self, pc: usize, from: &[Option<usize>]) {
        if let Some(to) = self.caps.get_mut(pc * self.slots..(pc + 1) * self.slots) {
            to.copy_from_slice(from);
        }
    }
}

/// Work item while following epsilon transitions.
enum Frame {
    Explore(usize),
    Restore(usize, Option<usize>),
}

/// Run `prog` over `text`. Returns the slots of the leftmost-first match, or None.
///
/// `slots` is `2 × (groups + 1)`; `anchored` says the pattern can only match at 0
/// (a leading `^`), which lets the search stop early.
pub fn run(prog: &[Inst], slots: usize, anchored: bool, text: &str) -> Option<Vec<Option<usize>>> {
    let len = prog.len();
    let mut clist = Threads::new(len, slots);
    let mut nlist = Threads::new(len, slots);
    let mut scratch: Vec<Option<usize>> = vec![None; slots];
    let mut stack: Vec<Frame> = Vec::new();
    let mut matched: Option<Vec<Option<usize>>> = None;

    let mut chars = text.char_indices().peekable();
    let mut pos = 0;
    loop {
        if matched.is_none() && (pos == 0 || !anchored) {
            scratch.iter_mut().for_each(|s| *s = None);
            add_thread(prog, text, &mut clist, &mut stack, &mut scratch, 0, pos);
        }
        if clist.dense.is_empty() {
            break;
        }
        let current = chars.next();
        let next_pos = current.map_or(pos, |(i, c)| i + c.len_utf8());
        for i in 0..clist.dense.len() {
            let Some(&pc) = clist.dense.get(i) else { break };
            let advance = match (prog.get(pc), current) {
                (Some(Inst::Match), _) => {
                    matched = Some(clist.slots_of(pc).to_vec());
                    // Threads behind this one have lower priority: cut them.
                    break;
                }
                (Some(Inst::Char(want)), Some((_, c))) => *want == c,
                (Some(Inst::Any), Some((_, c))) => c != '\n',
                (Some(Inst::Class(set)), Some((_, c))) => set.contains(c),
                _ => false,
            };
            if advance {
                scratch.copy_from_slice(clist.slots_of(pc));
                add_thread(
                    prog,
                    text,
                    &mut nlist,
                    &mut stack,
                    &mut scratch,
                    pc + 1,
                    next_pos,
                );
            }
        }
        std::mem::swap(&mut clist, &mut nlist);
        nlist.clear();
        if current.is_none() {
            break;
        }
        pos = next_pos;
    }
    matched
}

/// Add the thread at `pc0` (with slots `caps`) to `list`, following every
/// epsilon transition at text position `pos`. `caps` is restored on return.
fn add_thread(
    prog: &[Inst],
    text: &str,
    list: &mut Threads,
    stack: &mut Vec<Frame>,
    caps: &mut [Option<usize>],
    pc0: usize,
    pos: usize,
) {
    stack.push(Frame::Explore(pc0));
    while let Some(frame) = stack.pop() {
        let pc = match frame {
            Frame::Restore(slot, old) => {
                if let Some(s) = caps.get_mut(slot) {
                    *s = old;
                }
                continue;
            }
            Frame::Explore(pc) => pc,
        };
        if list.contains(pc) {
            continue;
        }
        list.insert(pc);
        match prog.get(pc) {
            Some(Inst::Jmp(x)) => stack.push(Frame::Explore(*x)),
            Some(Inst::Split(x, y)) => {
                // Pushed in reverse: x is explored first and so gets priority.
                stack.push(Frame::Explore(*y));
                stack.push(Frame::Explore(*x));
            }
            Some(Inst::Save(slot)) => {
                if let Some(s) = caps.get_mut(*slot) {
                    stack.push(Frame::Restore(*slot, *s));
                    *s = Some(pos);
                }
                stack.push(Frame::Explore(pc + 1));
            }
            Some(Inst::AssertStart) if pos == 0 => stack.push(Frame::Explore(pc + 1)),
            Some(Inst::AssertEnd) if pos == text.len() => stack.push(Frame::Explore(pc + 1)),
            Some(Inst::AssertStart | Inst::AssertEnd) => {} // assertion fails: thread dies
            Some(Inst::Char(_) | Inst::Any | Inst::Class(_) | Inst::Match) => {
                list.set_slots(pc, caps);
            }
            None => {}
        }
    }
}
