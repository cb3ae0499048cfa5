//! Property tests for the router's regex engine.
//!
//! The Pike VM in `gatelite::router::regex` must give the same answers as the
//! obvious algorithm — a backtracking matcher that tries every way to match,
//! in priority order — only without the exponential time. So: generate small
//! random patterns over a tiny alphabet as syntax trees, render them to
//! pattern text for the engine, run the naive backtracker on the tree, and
//! compare `is_match` and the group-0 span (leftmost-first) on short inputs,
//! where exponential time does not hurt.
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
    Class { negated: bool, set: Vec<char> },
    Star(Box<P>, bool),
    Plus(Box<P>, bool),
    Quest(Box<P>, bool),
    Alt(Box<P>, Box<P>),
    Concat(Vec<P>),
    Group(Box<P>),
}

/// Pattern text for the engine.
fn render(p: &P) -> String {
    fn atom(p: &P) -> String {
        match p {
            P::Lit(_) | P::Any | P::Class { .. } | P::Group(_) => render(p),
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
        P::Alt(a, b) => format!("(?:{}|{})", render(a), render(b)),
        P::Concat(v) => v.iter().map(render).collect(),
        P::Group(x) => format!("({})", render(x)),
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
        P::Group(x) => m(c, x, i, k),
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

/// Leftmost-first group-0 span: try each start in turn; `end_ok` filters ends (for `$`).
fn naive_find(
    p: &P,
    text: &str,
    starts: &dyn Fn(usize) -> bool,
    end_ok: &dyn Fn(usize, usize) -> bool,
) -> Option<(usize, usize)> {
    let c = Ctx {
        t: text.chars().collect(),
        seen: Default::default(),
    };
    for start in (0..=c.t.len()).filter(|&s| starts(s)) {
        let mut end = None;
        if m(&c, p, start, &mut |j| {
            if end_ok(j, c.t.len()) {
                end = Some(j);
                true
            } else {
                false
            }
        }) {
            return end.map(|e| (start, e)); // ASCII: char index = byte offset
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
            inner.prop_map(|x| P::Group(Box::new(x))),
        ]
    })
}

fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(prop_oneof![Just('a'), Just('b'), Just('c')], 0..10)
        .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn pike_vm_agrees_with_backtracking(p in pattern(), t in text(), anchor in 0u8..4) {
        // Sometimes anchor the pattern, to exercise ^ and $ too.
        let body = render(&p);
        let text_pattern = match anchor {
            1 => format!("^(?:{body})"),
            2 => format!("(?:{body})$"),
            3 => format!("^(?:{body})$"),
            _ => body,
        };
        let re = Regex::new(&text_pattern).map_err(|e| TestCaseError::fail(format!("{text_pattern}: {e}")))?;
        let want = naive_find(
            &p,
            &t,
            &|s| anchor == 0 || anchor == 2 || s == 0,
            &|e, len| anchor <= 1 || e == len,
        );
        let got = re.captures(&t).and_then(|c| c.first().copied().flatten());
        prop_assert_eq!(got, want, "pattern {:?} text {:?}", text_pattern, t);
        prop_assert_eq!(re.is_match(&t), want.is_some());
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
        t in text(),
    ) {
        let pattern: String = chars.into_iter().collect();
        if let Ok(re) = Regex::new(&pattern) {
            let caps = re.captures(&t);
            prop_assert_eq!(caps.is_some(), re.is_match(&t));
            if let Some(c) = caps {
                prop_assert_eq!(c.len(), re.captures_len());
            }
        }
    }
}
