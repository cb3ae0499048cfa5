//! Property tests for the router's regex engine.
//!
//! The Pike VM in `gatelite::router::regex` must give the same answers as the
//! obvious algorithm — a backtracking matcher that tries every way to match,
//! in priority order — only without the exponential time. So: generate small
//! random patterns over a tiny alphabet as syntax trees, render them to
//! pattern text for the engine, run the naive backtracker on the tree, and
//! compare `is_match` (both the Pike VM's and the lazy DFA's) and the span of
//! every capture group (leftmost-first) on short inputs, where exponential
//! time does not hurt. Counted repeats `{n}`, `{n,}`, `{n,m}` are rendered as
//! such for the engine and expanded into copies for the backtracker, which
//! so checks the compiler's expansion against the meaning of the operator.
//!
//! The backtracker keeps a set of states it has entered (RE2's "BitState"
//! rule; see `Ctx`). That is what makes empty loops such as `(a*)*` end,
//! and it fixes exactly where they are cut. The cut is the same as the VM's
//! drop of a second thread at the same pc.
//!
//! Second property: no string at all makes `Regex::new` (or a match) panic.

use gatelite::router::regex::Regex;
use proptest::prelude::*;

/// A pattern over the alphabet `a b c`.
#[derive(Debug, Clone)]
enum P {
    Lit(char),
    Any,
    Class {
        negated: bool,
        set: Vec<char>,
    },
    Star(Box<P>, bool),
    Plus(Box<P>, bool),
    Quest(Box<P>, bool),
    /// `x{min,max}` (`max: None` is `{min,}`; `min == max` is written `{n}`).
    Count(Box<P>, u32, Option<u32>, bool),
    Alt(Box<P>, Box<P>),
    Concat(Vec<P>),
    /// A capturing group; the index is filled in by [`number_groups`].
    Group(usize, Box<P>),
}

/// Pattern text for the engine.
fn render(p: &P) -> String {
    fn atom(p: &P) -> String {
        match p {
            P::Lit(_) | P::Any | P::Class { .. } | P::Group(..) => render(p),
            _ => format!("(?:{})", render(p)),
        }
    }
    fn lazy(greedy: bool) -> &'static str {
        if greedy {
            ""
        } else {
            "?"
        }
    }
    match p {
        P::Lit(c) => c.to_string(),
        P::Any => ".".into(),
        P::Class { negated, set } => {
            format!(
                "[{}{}]",
                if *negated { "^" } else { "" },
                set.iter().collect::<String>()
            )
        }
        P::Star(x, g) => format!("{}*{}", atom(x), lazy(*g)),
        P::Plus(x, g) => format!("{}+{}", atom(x), lazy(*g)),
        P::Quest(x, g) => format!("{}?{}", atom(x), lazy(*g)),
        P::Count(x, min, max, g) => {
            let count = match max {
                Some(m) if m == min => format!("{{{min}}}"),
                Some(m) => format!("{{{min},{m}}}"),
                None => format!("{{{min},}}"),
            };
            format!("{}{count}{}", atom(x), lazy(*g))
        }
        P::Alt(a, b) => format!("(?:{}|{})", render(a), render(b)),
        P::Concat(v) => v.iter().map(render).collect(),
        P::Group(_, x) => format!("({})", render(x)),
    }
}

/// Number the groups 1, 2, … in the order of their `(` in the rendered text.
fn number_groups(p: &mut P, next: &mut usize) {
    match p {
        P::Lit(_) | P::Any | P::Class { .. } => {}
        P::Star(x, _) | P::Plus(x, _) | P::Quest(x, _) | P::Count(x, ..) => number_groups(x, next),
        P::Alt(a, b) => {
            number_groups(a, next);
            number_groups(b, next);
        }
        P::Concat(v) => v.iter_mut().for_each(|x| number_groups(x, next)),
        P::Group(i, x) => {
            *next += 1;
            *i = *next;
            number_groups(x, next);
        }
    }
}

/// The same pattern without `Count`: `x{n,m}` is n copies of `x`, then
/// m-n nested optional copies `(x(x)?)?`; `x{n,}` is n-1 copies and `x+`
/// (`x*` for n = 0). Copies are distinct nodes, as the compiled copies are
/// distinct instructions, so the backtracker's `seen` set treats them apart.
fn expand(p: &P) -> P {
    match p {
        P::Lit(_) | P::Any | P::Class { .. } => p.clone(),
        P::Star(x, g) => P::Star(Box::new(expand(x)), *g),
        P::Plus(x, g) => P::Plus(Box::new(expand(x)), *g),
        P::Quest(x, g) => P::Quest(Box::new(expand(x)), *g),
        P::Alt(a, b) => P::Alt(Box::new(expand(a)), Box::new(expand(b))),
        P::Concat(v) => P::Concat(v.iter().map(expand).collect()),
        P::Group(i, x) => P::Group(*i, Box::new(expand(x))),
        P::Count(x, min, max, g) => {
            let x = expand(x);
            let mut items: Vec<P> = Vec::new();
            match max {
                None if *min == 0 => items.push(P::Star(Box::new(x), *g)),
                None => {
                    items.extend((1..*min).map(|_| x.clone()));
                    items.push(P::Plus(Box::new(x), *g));
                }
                Some(max) => {
                    items.extend((0..*min).map(|_| x.clone()));
                    let mut optional: Option<P> = None;
                    for _ in *min..*max {
                        let body = match optional.take() {
                            None => x.clone(),
                            Some(inner) => P::Concat(vec![x.clone(), inner]),
                        };
                        optional = Some(P::Quest(Box::new(body), *g));
                    }
                    items.extend(optional);
                }
            }
            P::Concat(items)
        }
    }
}

/// A depth-first backtracker over the tree, in continuation-passing style.
///
/// `seen` holds (node, text position, role) states already entered. A state
/// entered a second time fails at once. Each tree position has one fixed
/// continuation, so a second visit can add nothing: the first visit had
/// priority and either is still running (an empty loop coming back to where
/// it started) or has already failed. This is RE2's "BitState" backtracker,
/// which gives the same answers as the Pike VM. Without `seen`, an empty
/// `*` iteration would loop forever, and the answer would depend on where
/// the loop is cut. The search itself is a DFS in priority order, a
/// different algorithm from the VM's lock step.
struct Ctx {
    t: Vec<char>,
    seen: std::cell::RefCell<std::collections::HashSet<(usize, usize, u8)>>,
    /// Capture slots of the path being tried: `2n` start and `2n+1` end of
    /// group `n`, set on the way in and put back when the path fails.
    caps: std::cell::RefCell<Vec<Option<usize>>>,
}

impl Ctx {
    /// Set slot `slot` to `value`; returns the old value for [`Ctx::restore`].
    fn save(&self, slot: usize, value: usize) -> Option<usize> {
        let mut caps = self.caps.borrow_mut();
        let old = caps.get(slot).copied().flatten();
        if let Some(s) = caps.get_mut(slot) {
            *s = Some(value);
        }
        old
    }

    fn restore(&self, slot: usize, old: Option<usize>) {
        if let Some(s) = self.caps.borrow_mut().get_mut(slot) {
            *s = old;
        }
    }
}

impl Ctx {
    /// Mark (node, i, role) as entered; false if it already was.
    fn enter(&self, p: &P, i: usize, role: u8) -> bool {
        self.seen
            .borrow_mut()
            .insert((p as *const P as usize, i, role))
    }
}

fn m(c: &Ctx, p: &P, i: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
    if let P::Star(x, g) = p {
        return star(c, p, x, *g, i, k);
    }
    if !c.enter(p, i, 0) {
        return false;
    }
    let t = &c.t;
    match p {
        P::Lit(ch) => t.get(i) == Some(ch) && k(i + 1),
        P::Any => t.get(i).is_some_and(|&ch| ch != '\n') && k(i + 1),
        P::Class { negated, set } => {
            t.get(i).is_some_and(|ch| set.contains(ch) != *negated) && k(i + 1)
        }
        P::Concat(v) => concat(c, v, i, k),
        P::Alt(a, b) => m(c, a, i, k) || m(c, b, i, k),
        P::Group(n, x) => {
            let old_start = c.save(2 * n, i);
            let found = m(c, x, i, &mut |j| {
                let old_end = c.save(2 * n + 1, j);
                k(j) || {
                    c.restore(2 * n + 1, old_end);
                    false
                }
            });
            if !found {
                c.restore(2 * n, old_start);
            }
            found
        }
        P::Count(..) => unreachable!("expanded before matching"),
        P::Star(..) => false, // handled above
        P::Plus(x, g) => m(c, x, i, &mut |j| plus_tail(c, p, x, *g, j, k)),
        // clippy's if_same_then_else sees `a || b` and `b || a` as the same
        // block; here the order is the match priority, so it is not.
        #[allow(clippy::if_same_then_else)]
        P::Quest(x, g) => {
            if *g {
                m(c, x, i, k) || k(i)
            } else {
                k(i) || m(c, x, i, k)
            }
        }
    }
}

fn concat(c: &Ctx, v: &[P], i: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
    match v.split_first() {
        None => k(i),
        Some((head, rest)) => m(c, head, i, &mut |j| concat(c, rest, j, k)),
    }
}

/// The loop head of `x*`: another iteration or the exit, in priority order.
fn star(
    c: &Ctx,
    node: &P,
    x: &P,
    greedy: bool,
    i: usize,
    k: &mut dyn FnMut(usize) -> bool,
) -> bool {
    if !c.enter(node, i, 1) {
        return false;
    }
    #[allow(clippy::if_same_then_else)] // `||` order is the priority order
    if greedy {
        m(c, x, i, &mut |j| star(c, node, x, greedy, j, k)) || k(i)
    } else {
        k(i) || m(c, x, i, &mut |j| star(c, node, x, greedy, j, k))
    }
}

/// After an iteration of `x+`: go round again or leave.
fn plus_tail(
    c: &Ctx,
    node: &P,
    x: &P,
    greedy: bool,
    i: usize,
    k: &mut dyn FnMut(usize) -> bool,
) -> bool {
    if !c.enter(node, i, 2) {
        return false;
    }
    let again =
        |k: &mut dyn FnMut(usize) -> bool| m(c, x, i, &mut |j| plus_tail(c, node, x, greedy, j, k));
    #[allow(clippy::if_same_then_else)] // `||` order is the priority order
    if greedy {
        again(k) || k(i)
    } else {
        k(i) || again(k)
    }
}

/// Every group's span of the leftmost-first match (group 0 first): try each
/// start in turn; `end_ok` filters ends (for `$`). `groups` excludes group 0.
fn naive_captures(
    p: &P,
    groups: usize,
    text: &str,
    starts: &dyn Fn(usize) -> bool,
    end_ok: &dyn Fn(usize, usize) -> bool,
) -> Option<Vec<Option<(usize, usize)>>> {
    let c = Ctx {
        t: text.chars().collect(),
        seen: Default::default(),
        caps: std::cell::RefCell::new(vec![None; 2 * (groups + 1)]),
    };
    for start in (0..=c.t.len()).filter(|&s| starts(s)) {
        let mut found = None;
        if m(&c, p, start, &mut |j| {
            if end_ok(j, c.t.len()) {
                let caps = c.caps.borrow();
                let mut spans = vec![Some((start, j))];
                spans.extend(caps.chunks(2).skip(1).map(|pair| match pair {
                    [Some(a), Some(b)] => Some((*a, *b)),
                    _ => None,
                }));
                found = Some(spans);
                true
            } else {
                false
            }
        }) {
            return found; // ASCII: char index = byte offset
        }
    }
    None
}

fn pattern() -> impl Strategy<Value = P> {
    let class = (
        any::<bool>(),
        proptest::sample::subsequence(vec!['a', 'b', 'c'], 1..=3),
    )
        .prop_map(|(negated, set)| P::Class { negated, set });
    let leaf = prop_oneof![Just(P::Lit('a')), Just(P::Lit('b')), Just(P::Any), class];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (inner.clone(), any::<bool>()).prop_map(|(x, g)| P::Star(Box::new(x), g)),
            (inner.clone(), any::<bool>()).prop_map(|(x, g)| P::Plus(Box::new(x), g)),
            (inner.clone(), any::<bool>()).prop_map(|(x, g)| P::Quest(Box::new(x), g)),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| P::Alt(Box::new(a), Box::new(b))),
            proptest::collection::vec(inner.clone(), 0..4).prop_map(P::Concat),
            (
                inner.clone(),
                0u32..3,
                0u32..3,
                any::<bool>(),
                any::<bool>()
            )
                .prop_map(|(x, min, extra, bounded, g)| {
                    P::Count(Box::new(x), min, bounded.then_some(min + extra), g)
                }),
            inner.prop_map(|x| P::Group(0, Box::new(x))),
        ]
    })
}

fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(prop_oneof![Just('a'), Just('b'), Just('c')], 0..10)
        .prop_map(|v| v.into_iter().collect())
}

proptest! {
    // Enough cases that every operator meets every other one at depth 2 many
    // times over (a release run takes a few seconds). PROPTEST_CASES overrides.
    #![proptest_config(ProptestConfig { cases: 10_000, ..ProptestConfig::default() })]

    #[test]
    fn pike_vm_and_dfa_agree_with_backtracking(p in pattern(), t in text(), anchor in 0u8..4) {
        let mut p = p;
        let mut groups = 0;
        number_groups(&mut p, &mut groups);
        // Sometimes anchor the pattern, to exercise ^ and $ too.
        let body = render(&p);
        let text_pattern = match anchor {
            1 => format!("^(?:{body})"),
            2 => format!("(?:{body})$"),
            3 => format!("^(?:{body})$"),
            _ => body,
        };
        let re = Regex::new(&text_pattern).map_err(|e| TestCaseError::fail(format!("{text_pattern}: {e}")))?;
        prop_assert_eq!(re.captures_len(), groups + 1);
        let want = naive_captures(
            &expand(&p),
            groups,
            &t,
            &|s| anchor == 0 || anchor == 2 || s == 0,
            &|e, len| anchor <= 1 || e == len,
        );
        prop_assert_eq!(&re.captures(&t), &want, "pattern {:?} text {:?}", text_pattern, t);
        prop_assert_eq!(re.is_match(&t), want.is_some(), "VM is_match {:?} {:?}", text_pattern, t);
        prop_assert_eq!(re.is_match_dfa(&t), want.is_some(), "DFA {:?} {:?}", text_pattern, t);
    }

    #[test]
    fn any_pattern_text_is_safe(
        chars in proptest::collection::vec(
            prop_oneof![
                3 => proptest::sample::select(r"ab()[]{}*+?|^$\.-,:0123456789dwsDWS".chars().collect::<Vec<_>>()),
                1 => any::<char>(),
            ],
            0..40,
        ),
        t in prop_oneof![text(), any::<String>()],
    ) {
        let pattern: String = chars.into_iter().collect();
        if let Ok(re) = Regex::new(&pattern) {
            let caps = re.captures(&t);
            prop_assert_eq!(caps.is_some(), re.is_match(&t));
            prop_assert_eq!(caps.is_some(), re.is_match_dfa(&t));
            if let Some(c) = caps {
                prop_assert_eq!(c.len(), re.captures_len());
            }
        }
    }
}
