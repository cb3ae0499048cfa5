//! A lazy DFA for [`Regex::is_match`](super::Regex::is_match): yes/no, no captures.
//!
//! The Pike VM (`pike.rs`) steps every NFA thread for every character of the
//! text. When only "does it match?" is asked, the threads' capture slots and
//! priorities do not matter, only the *set* of program counters alive after
//! each character. That set is a state of the subset-construction DFA (Rabin
//! and Scott, 1959), and the next set depends only on the current set and
//! the character. So the sets are built lazily, the first time the search
//! reaches them, and each transition on an ASCII character is cached in a
//! 128-entry table of the state (RE2's and Rust `regex`'s "lazy DFA"). After
//! warm-up a character costs one table lookup; `^(a+)+$` over 30 000 `a`s
//! visits three states.
//!
//! A state holds the pcs of the consuming instructions (`Char`, `Any`,
//! `Class`), of `Match`, and of `AssertEnd` (whose answer is only known at
//! the end of the text). An unanchored search adds the start closure to
//! every step, as if the pattern began with `.*?`. The cache is bounded by
//! [`MAX_STATES`] and [`MAX_CACHED_PCS`]: when it is full it is emptied and
//! refilled (as RE2 does), so memory stays bounded for any pattern and text;
//! after [`MAX_CACHE_RESETS`] the search hands over to the Pike VM, so the
//! cost stays linear with a constant at most about twice the VM's.
//! Non-ASCII characters are stepped without caching. Pure, no I/O.

use std::collections::HashMap;

use super::compile::Inst;
use super::pike;

/// Most DFA states cached at once during one search.
pub const MAX_STATES: usize = 512;

/// Most program counters held by all cached states together (each is kept
/// twice, in the state and in the lookup index: about 1 MiB at most), so a
/// big program cannot make a few hundred states of thousands of pcs each.
pub const MAX_CACHED_PCS: usize = 1 << 16;

/// How many times a search may empty a full cache before it gives up on the
/// DFA and asks the Pike VM: a pattern and text that make a new state at
/// nearly every character (`(.{1000}){19}`) gain nothing from caching.
pub const MAX_CACHE_RESETS: u64 = 2;

/// Marks a transition not computed yet.
const UNKNOWN: u32 = u32::MAX;

struct State {
    /// Sorted pcs of consuming instructions, `Match` and `AssertEnd`.
    pcs: Vec<usize>,
    /// Whether `Match` is among them.
    is_match: bool,
    /// Cached next state per ASCII character.
    next: [u32; 128],
}

/// The search in progress: the program, the cache and scratch space.
struct Search<'p> {
    prog: &'p [Inst],
    states: Vec<State>,
    index: HashMap<Vec<usize>, u32>,
    /// Bumped each time the cache is emptied (state ids are then stale).
    generation: u64,
    /// Sum of the `pcs` lengths of the cached states.
    cached_pcs: usize,
    /// Epsilon closure of pc 0 at a position other than 0 (empty if anchored).
    restart: Vec<usize>,
    /// Closure scratch: a mark per pc, the pcs marked, the work stack.
    seen: Vec<bool>,
    marked: Vec<usize>,
    stack: Vec<usize>,
}

/// Whether `prog` matches anywhere in `text` (at 0 only if `anchored`).
pub fn is_match(prog: &[Inst], anchored: bool, text: &str) -> bool {
    let mut s = Search {
        prog,
        states: Vec::new(),
        index: HashMap::new(),
        generation: 0,
        cached_pcs: 0,
        restart: Vec::new(),
        seen: vec![false; prog.len()],
        marked: Vec::new(),
        stack: Vec::new(),
    };
    let mut start = Vec::new();
    s.closure(&[0], true, &mut start);
    if !anchored {
        let mut restart = Vec::new();
        s.closure(&[0], false, &mut restart);
        s.restart = restart;
    }
    let mut current = s.intern(start);
    for c in text.chars() {
        match s.state(current) {
            Some(st) if st.is_match => return true,
            // Dead: no thread left and (anchored) none can start.
            Some(st) if st.pcs.is_empty() && s.restart.is_empty() => return false,
            _ => {}
        }
        if s.generation > MAX_CACHE_RESETS {
            return pike::run(prog, 2, anchored, text).is_some();
        }
        current = s.step(current, c);
    }
    s.state(current).is_some_and(|st| st.is_match) || s.matches_at_end(current, text.is_empty())
}

impl Search<'_> {
    fn state(&self, id: u32) -> Option<&State> {
        self.states.get(id as usize)
    }

    /// The state after reading `c` in state `id`.
    fn step(&mut self, id: u32, c: char) -> u32 {
        let cached = u8::try_from(c)
            .ok()
            .filter(u8::is_ascii)
            .and_then(|b| self.state(id).and_then(|st| st.next.get(usize::from(b))))
            .copied()
            .unwrap_or(UNKNOWN);
        if cached != UNKNOWN {
            return cached;
        }
        let mut targets: Vec<usize> = Vec::new();
        if let Some(st) = self.state(id) {
            for &pc in &st.pcs {
                let advance = match self.prog.get(pc) {
                    Some(Inst::Char(want)) => *want == c,
                    Some(Inst::Any) => c != '\n',
                    Some(Inst::Class(set)) => set.contains(c),
                    _ => false,
                };
                if advance {
                    targets.push(pc + 1);
                }
            }
        }
        // Unanchored: a new match attempt may start after this character.
        targets.extend_from_slice(&self.restart);
        let mut pcs = Vec::new();
        self.closure(&targets, false, &mut pcs);
        let generation = self.generation;
        let next = self.intern(pcs);
        if generation != self.generation {
            return next; // `id` is gone with the old cache: nothing to record
        }
        if let Some(slot) = u8::try_from(c).ok().filter(u8::is_ascii).and_then(|b| {
            self.states
                .get_mut(id as usize)?
                .next
                .get_mut(usize::from(b))
        }) {
            *slot = next;
        }
        next
    }

    /// The id of the state with these pcs, adding it (and emptying a full cache first).
    fn intern(&mut self, pcs: Vec<usize>) -> u32 {
        if let Some(&id) = self.index.get(&pcs) {
            return id;
        }
        if self.states.len() >= MAX_STATES || self.cached_pcs + pcs.len() > MAX_CACHED_PCS {
            // Cached ids are now stale: the caller only keeps the one returned.
            self.states.clear();
            self.index.clear();
            self.cached_pcs = 0;
            self.generation += 1;
        }
        self.cached_pcs += pcs.len();
        let id = u32::try_from(self.states.len()).unwrap_or(0);
        let is_match = pcs
            .iter()
            .any(|&pc| matches!(self.prog.get(pc), Some(Inst::Match)));
        self.index.insert(pcs.clone(), id);
        self.states.push(State {
            pcs,
            is_match,
            next: [UNKNOWN; 128],
        });
        id
    }

    /// Whether a pending `AssertEnd` of state `id` leads to `Match` at the end of the text.
    fn matches_at_end(&mut self, id: u32, at_start: bool) -> bool {
        let pending: Vec<usize> = match self.state(id) {
            Some(st) => st
                .pcs
                .iter()
                .filter(|&&pc| matches!(self.prog.get(pc), Some(Inst::AssertEnd)))
                .map(|&pc| pc + 1)
                .collect(),
            None => return false,
        };
        let mut out = Vec::new();
        self.closure_with(&pending, at_start, true, &mut out);
        out.iter()
            .any(|&pc| matches!(self.prog.get(pc), Some(Inst::Match)))
    }

    /// The pcs reachable from `from` without consuming text, not at the end.
    fn closure(&mut self, from: &[usize], at_start: bool, out: &mut Vec<usize>) {
        self.closure_with(from, at_start, false, out);
    }

    /// Follow Jmp, Split, Save and the assertions that hold; keep the rest,
    /// sorted. An `AssertEnd` that is not decided yet (`at_end == false`) is kept.
    fn closure_with(&mut self, from: &[usize], at_start: bool, at_end: bool, out: &mut Vec<usize>) {
        out.clear();
        self.stack.clear();
        self.stack.extend(from.iter().rev());
        while let Some(pc) = self.stack.pop() {
            match self.seen.get_mut(pc) {
                Some(seen) if !*seen => *seen = true,
                _ => continue,
            }
            self.marked.push(pc);
            match self.prog.get(pc) {
                Some(Inst::Jmp(x)) => self.stack.push(*x),
                Some(Inst::Split(x, y)) => {
                    self.stack.push(*y);
                    self.stack.push(*x);
                }
                Some(Inst::Save(_)) => self.stack.push(pc + 1),
                Some(Inst::AssertStart) if at_start => self.stack.push(pc + 1),
                Some(Inst::AssertStart) => {} // not at the start: the thread dies
                Some(Inst::AssertEnd) if at_end => self.stack.push(pc + 1),
                Some(
                    Inst::AssertEnd | Inst::Char(_) | Inst::Any | Inst::Class(_) | Inst::Match,
                ) => out.push(pc),
                None => {}
            }
        }
        for &pc in &self.marked {
            if let Some(s) = self.seen.get_mut(pc) {
                *s = false;
            }
        }
        self.marked.clear();
        out.sort_unstable();
    }
}
